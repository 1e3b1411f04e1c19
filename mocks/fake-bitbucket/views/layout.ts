import { html, trustedHtml, type SafeHtml } from '../../../src/text/html.ts';
import { TEAMS_IN_SPACE } from '../../fixtures/accounts.ts';
import { paths } from '../paths.ts';

/**
 * The frame of every fake Bitbucket page: a blue top bar, an optional sidebar, the content, and a
 * banner saying this is the offline rehearsal (nobody should mistake it for bitbucket.org). CSS is
 * inline and small: no framework, no request beyond the page.
 */

/** One crumb of the breadcrumbs above the title; the last one has no link. */
export interface Crumb {
  label: string;
  href?: string;
}

/** What a page puts in the frame. */
export interface PageFrame {
  title: string;
  /** The failure scenario the mock plays, shown in the top bar when it is not `happy`. */
  scenario: string;
  breadcrumbs?: Crumb[];
  sidebar?: SafeHtml;
  main: SafeHtml;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#172B4D;background:#fff}
a{color:#0052CC;text-decoration:none}a:hover{text-decoration:underline}
.topbar{display:flex;align-items:center;gap:24px;height:56px;padding:0 20px;background:#0052CC;color:#fff}
.topbar a{color:#fff;font-weight:500}
.brand{display:flex;align-items:center;gap:8px;font-size:18px;font-weight:600}
.brand svg{width:26px;height:26px}
.topbar .spacer{flex:1}
.badge{padding:2px 8px;border-radius:3px;background:rgba(255,255,255,.18);font-size:12px;font-weight:600;letter-spacing:.02em}
.badge.warn{background:#FFAB00;color:#172B4D}
.shell{display:flex;min-height:calc(100vh - 56px)}
.sidebar{width:240px;flex:none;padding:20px 12px;background:#F4F5F7;border-right:1px solid #DFE1E6}
.sidebar h2{margin:0 8px 12px;font-size:14px}
.sidebar .section{margin:18px 8px 6px;font-size:11px;font-weight:700;color:#6B778C;text-transform:uppercase;letter-spacing:.04em}
.sidebar a,.sidebar span.item{display:flex;align-items:center;gap:8px;padding:6px 8px;border-radius:3px;color:#42526E}
.sidebar a:hover{background:#EBECF0;text-decoration:none}
.sidebar a.current{background:#DEEBFF;color:#0052CC;font-weight:600}
.sidebar span.item{color:#A5ADBA;cursor:default}
.icon{width:16px;height:16px;flex:none}
.avatar{display:inline-flex;align-items:center;justify-content:center;width:32px;height:32px;border-radius:3px;background:#6554C0;color:#fff;font-weight:700}
main{flex:1;min-width:0;padding:24px 32px 48px;max-width:1200px}
.crumbs{color:#6B778C;font-size:13px;margin-bottom:4px}
.crumbs a{color:#6B778C}
h1{font-size:24px;font-weight:500;margin:0 0 16px}
h2{font-size:18px;font-weight:500;margin:28px 0 10px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #EBECF0;vertical-align:top}
th{color:#6B778C;font-size:12px;font-weight:600}
code,pre{font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:#F4F5F7;padding:10px 12px;border-radius:3px;overflow:auto;white-space:pre-wrap;word-break:break-all}
.button{display:inline-block;padding:6px 12px;border:0;border-radius:3px;background:#0052CC;color:#fff;font:inherit;font-weight:500;cursor:pointer}
.button:hover{background:#0065FF;text-decoration:none}
.button.subtle{background:#EBECF0;color:#42526E}
.button.danger{background:#DE350B}
form.inline{display:inline}
input[type=url],input[type=text],select{padding:6px 8px;border:2px solid #DFE1E6;border-radius:3px;font:inherit;min-width:320px}
input:focus,select:focus{border-color:#4C9AFF;outline:0}
label{display:block;font-weight:600;font-size:12px;color:#6B778C;margin-bottom:4px}
.lozenge{display:inline-block;padding:0 4px;border-radius:3px;font-size:11px;font-weight:700;text-transform:uppercase;background:#DFE1E6;color:#42526E}
.lozenge.green{background:#E3FCEF;color:#006644}.lozenge.red{background:#FFEBE6;color:#BF2600}.lozenge.blue{background:#DEEBFF;color:#0747A6}
.message{padding:12px 16px;border-radius:3px;margin:12px 0;border-left:4px solid}
.message.info{background:#DEEBFF;border-color:#0052CC}
.message.success{background:#E3FCEF;border-color:#00875A}
.message.warning{background:#FFFAE6;border-color:#FF991F}
.message.error{background:#FFEBE6;border-color:#DE350B}
.message p{margin:4px 0}
.muted{color:#6B778C}
.card{border:1px solid #DFE1E6;border-radius:3px;padding:16px 20px;margin:12px 0}
.scopes li{margin:6px 0}
.addon-frame{width:100%;height:calc(100vh - 190px);min-height:480px;border:1px solid #DFE1E6;border-radius:3px;background:#fff}
.rehearsal{padding:6px 20px;background:#FFFAE6;border-bottom:1px solid #FFE380;font-size:12.5px;color:#42526E}
`;

/** The top-bar mark: a plain bucket, not Atlassian's logo. */
const LOGO = html`<svg viewBox="0 0 32 32" aria-hidden="true"><path fill="#fff" d="M3 5h26l-4 22H7z"/><path fill="#2684FF" d="M11 13h10l-1.6 8h-6.8z"/></svg>`;

function crumbs(list: Crumb[] | undefined): SafeHtml {
  if (!list || list.length === 0) return html``;
  return html`<div class="crumbs">${list.map(
    (crumb, i) => html`${i > 0 ? ' / ' : ''}${crumb.href ? html`<a href="${crumb.href}">${crumb.label}</a>` : crumb.label}`,
  )}</div>`;
}

/**
 * A whole HTML page.
 *
 * @example
 * res.type('html').send(renderPage({ title: 'Teams in Space', scenario: 'happy', main: html`<p>hi</p>` }))
 */
export function renderPage(frame: PageFrame): string {
  const scenario =
    frame.scenario === 'happy' ? html`` : html`<span class="badge warn" title="The mock's failure scenario">scenario: ${frame.scenario}</span>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} — Bitbucket (offline)</title>
<style>${trustedHtml(STYLE)}</style>
</head>
<body>
<header class="topbar">
  <a class="brand" href="${paths.overview}">${LOGO}<span>Bitbucket</span></a>
  <a href="${paths.overview}">Workspace</a>
  <a href="${paths.apps(TEAMS_IN_SPACE.slug)}">Installed apps</a>
  <span class="spacer"></span>
  ${scenario}
  <span class="badge" title="Nothing here talks to bitbucket.org">offline</span>
</header>
<div class="rehearsal">A fake Bitbucket Cloud on this machine, for rehearsing the Connect install and the JWT grant offline. Nothing here reaches bitbucket.org.</div>
<div class="shell">
${frame.sidebar ? html`<nav class="sidebar" aria-label="Sidebar">${frame.sidebar}</nav>` : ''}
<main>
${crumbs(frame.breadcrumbs)}
${frame.main}
</main>
</div>
</body>
</html>`.value;
}
