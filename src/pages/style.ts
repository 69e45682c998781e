/** The one style sheet of the console and the API reference (served at /console/app.css). */
export const STYLE_CSS = `
:root { --fg:#1b1f24; --muted:#5b6470; --line:#d8dde3; --bg:#f6f8fa; --card:#fff; --accent:#0b5fff;
  --ok:#1a7f37; --warn:#9a6700; --bad:#cf222e; --info:#57606a; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); font-size: 14px; line-height: 1.45; }
header.top { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #0d1117; color: #fff; }
header.top .brand { font-weight: 700; letter-spacing: .02em; }
header.top nav { display: flex; gap: 4px; flex-wrap: wrap; }
header.top nav button, header.top nav a { background: none; border: 0; color: #c9d1d9; padding: 6px 10px; border-radius: 6px; cursor: pointer; font: inherit; text-decoration: none; }
header.top nav button[aria-current="page"], header.top nav button:hover, header.top nav a:hover { background: #30363d; color: #fff; }
header.top .who { margin-left: auto; color: #8b949e; display: flex; gap: 8px; align-items: center; }
main { max-width: 1180px; margin: 0 auto; padding: 20px; }
h1 { font-size: 22px; margin: 0 0 12px; } h2 { font-size: 17px; margin: 22px 0 8px; } h3 { font-size: 15px; margin: 14px 0 6px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 0 0 14px; }
.muted { color: var(--muted); } .small { font-size: 12px; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
code { background: #eef1f4; padding: 1px 4px; border-radius: 4px; word-break: break-all; }
pre { background: #0d1117; color: #e6edf3; padding: 10px 12px; border-radius: 6px; overflow: auto; font-size: 12px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; background: #eaeef2; color: var(--info); }
.badge.ok, .badge.delivered, .badge.validated, .badge.send { background: #dafbe1; color: var(--ok); }
.badge.pending, .badge.processing, .badge.retrying, .badge.send_denied_flag { background: #fff8c5; color: var(--warn); }
.badge.failed, .badge.expired, .badge.circuit_open, .badge.needs_attention, .badge.blocked, .badge.suppressed { background: #ffebe9; color: var(--bad); }
form.inline, .row { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; }
label { display: flex; flex-direction: column; gap: 3px; font-size: 12px; color: var(--muted); }
input, select, textarea { font: inherit; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--fg); }
textarea { width: 100%; min-height: 90px; font-family: ui-monospace, monospace; font-size: 12px; }
button.primary, button.secondary { font: inherit; padding: 6px 12px; border-radius: 6px; cursor: pointer; border: 1px solid var(--line); background: #f6f8fa; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.signin { max-width: 440px; margin: 60px auto; }
.error { color: var(--bad); } .notice { color: var(--ok); }
.story { border-left: 3px solid var(--line); margin: 8px 0 8px 6px; padding: 2px 0 2px 14px; }
.story li { margin: 4px 0; }
.bars .bar { display: grid; grid-template-columns: 140px 1fr 52px; gap: 10px; align-items: center; margin: 6px 0; }
.bars .track { background: #eaeef2; height: 12px; border-radius: 6px; overflow: hidden; }
.bars .fill { background: var(--accent); height: 100%; }
svg.chart { width: 100%; height: auto; background: #fff; }
svg.chart text { font-size: 10px; fill: var(--muted); }
.legend { display: flex; gap: 14px; font-size: 12px; } .legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 5px; border-radius: 2px; background: var(--c); }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 14px; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
.kv dt { color: var(--muted); } .kv dd { margin: 0; }
.op { border-top: 1px solid var(--line); padding-top: 10px; margin-top: 10px; }
.method { display: inline-block; min-width: 62px; text-transform: uppercase; font-weight: 700; font-size: 12px; }
.method.get { color: var(--ok); } .method.post { color: var(--accent); } .method.put, .method.patch { color: var(--warn); } .method.delete { color: var(--bad); }
ul.fields { list-style: none; padding-left: 14px; margin: 4px 0; border-left: 1px dashed var(--line); }
ul.fields li { margin: 3px 0; }
`;
