import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { LAB_NOTE_HEADER, LAB_NOTES, labNote, withLabNote } from './lab-note.ts';

describe('lab notes', () => {
  it('are ASCII (they travel in a header) and never contain the "; " that joins them', () => {
    for (const note of Object.values(LAB_NOTES)) {
      expect(note, note).toMatch(/^[\x20-\x7e]+$/);
      expect(note, note).not.toContain('; ');
    }
  });

  it('labNote gives the header to spread, or nothing', () => {
    expect(labNote()).toEqual({});
    expect(labNote('a', 'b')).toEqual({ [LAB_NOTE_HEADER]: 'a; b' });
  });

  it('withLabNote appends to a note already there, keeping status, headers and body', async () => {
    const response = withLabNote(HttpResponse.json({ ok: true }, { status: 201, headers: labNote('first') }), 'second');
    expect(response.status).toBe(201);
    expect(response.headers.get('x-lab-note')).toBe('first; second');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: true });
  });

  it('withLabNote leaves a network error (an aborted slow call) as it is', () => {
    const error = Response.error();
    expect(withLabNote(error, 'x')).toBe(error);
  });
});
