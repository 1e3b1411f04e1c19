import { LabError } from '../errors.ts';

/**
 * Thrown when a flow diagram is asked to highlight an arrow it does not have, which means a lesson
 * (or its manifest entry) names a step of the flow that does not exist.
 *
 * @example
 * try { renderFlowDiagram({ highlight: 'refresh' as FlowArrow }) }
 * catch (error) { if (isLabError(error, 'ERR_FLOW_ARROW_UNKNOWN')) console.error(error.message) }
 */
export class FlowArrowError extends LabError {
  constructor(arrow: unknown, known: readonly string[]) {
    super(
      'ERR_FLOW_ARROW_UNKNOWN',
      `The flow diagram has no arrow ${JSON.stringify(arrow)}. Highlight one of: ${known.join(', ')} ` +
        '(lesson 7 walks through the whole flow).',
      { lesson: 7 },
    );
  }
}
