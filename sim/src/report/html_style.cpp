// The report page's style sheet: colours (Okabe-Ito blue/vermillion for
// better/worse), layout, charts, small screens and print.
#include "html_page.h"

namespace cxsim::report::html {

const char kStyle[] = R"CSS(
:root{--fg:#1b1f24;--muted:#5b6470;--line:#dde1e6;--accent:#0072B2;--better:#0072B2;--worse:#D55E00}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:#f3f4f6}
main{max-width:1140px;margin:0 auto;padding:20px 28px 56px;background:#fff}
h1{font-size:1.65rem;margin:.2em 0 .1em;line-height:1.25}
h2{font-size:1.3rem;margin:0 0 .4em}
h3{font-size:1.05rem;margin:1.2em 0 .4em}
p{margin:.4em 0 .8em}
.sub{color:var(--muted);margin:0 0 .6em}
nav.toc{margin:14px 0 6px;padding:8px 12px;background:#f6f8fa;border-radius:8px}
nav.toc ol{display:flex;flex-wrap:wrap;gap:2px 18px;margin:0;padding:0;list-style:none}
nav.toc a{color:var(--accent);text-decoration:none}
nav.toc a:hover{text-decoration:underline}
section{margin-top:34px;padding-top:10px;border-top:2px solid var(--line)}
.help{color:var(--muted);font-size:.92rem;max-width:78ch}
.verdict{background:#eef5fb;border-left:4px solid var(--accent);padding:10px 14px;border-radius:4px;font-size:1.02rem;max-width:92ch}
.verdict p{margin:.3em 0}
.ci.mc,.card .ci.mc{font-style:italic}
.warn{background:#fff4e0;border-left:4px solid #E69F00;padding:8px 12px;border-radius:4px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(175px,100%),1fr));gap:12px;margin:12px 0 16px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:#fbfcfd}
.card .k{font-size:.82rem;color:var(--muted)}
.card .v{font-size:1.45rem;font-weight:650;font-variant-numeric:tabular-nums;white-space:nowrap}
.card .pm{font-size:.95rem;font-weight:400;color:var(--muted)}
.card .ci{font-size:.8rem;color:var(--muted);font-variant-numeric:tabular-nums}
.table-wrap{overflow-x:auto;margin:6px 0 12px}
table{border-collapse:collapse;font-size:.87rem;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{padding:4px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
td .ci,td small{color:var(--muted);font-size:.8rem}
td.sig-better{background:#e2eff8}
td.sig-worse{background:#fbe8dc}
.mark{font-size:.8rem}
.path .step{display:inline-block;padding:0 5px;margin:1px 0;border:1px solid var(--line);border-radius:4px;background:#f8f9fb;white-space:nowrap}
.path .sep{color:var(--muted);padding:0 2px}
.grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(460px,100%),1fr));gap:10px 26px}
figure{margin:14px 0 18px;break-inside:avoid}
figcaption{color:var(--muted);font-size:.88rem;margin-top:2px}
details{margin:4px 0 8px}
summary{cursor:pointer;color:var(--accent);font-size:.9rem}
.scroll{overflow-x:auto}
svg.chart{display:block;width:100%;height:auto}
.map svg.chart{min-width:900px}
svg .axis{stroke:#555;stroke-width:1}
svg .grid{stroke:#e6e8eb;stroke-width:1}
svg .zero{stroke:#222;stroke-width:1.3}
svg .err{stroke:#111;stroke-width:1.4;fill:none}
svg .tick{font-size:11px;fill:#444}
svg .axis-label{font-size:12px;fill:#222}
svg .chart-title{font-size:14px;font-weight:600;fill:#1b1f24}
svg .legend{font-size:11.5px;fill:#333}
svg .row-label{font-size:12px;fill:#222}
svg .band-label{font-size:11px;fill:#555}
svg .col-label{font-size:12.5px;font-weight:600;fill:#333}
svg .col-rule{stroke:#ccd1d7}
svg .edge path{fill:none;stroke:#4d6478;stroke-opacity:.42}
svg .edge path.arrow{fill:#4d6478;fill-opacity:.75;stroke:none}
svg .edge:hover path{stroke-opacity:.8}
svg .edge-sample{stroke:#4d6478;stroke-opacity:.42}
svg .node rect{stroke:#3a3f45;stroke-width:1}
svg .outcome rect{fill:#e9eef4;stroke:#3a3f45;stroke-width:1.4}
svg .node-id{font-size:12px;font-weight:650;fill:#1b1f24}
svg .node-sub{font-size:10.5px;fill:#1b1f24}
svg .start{fill:#1b1f24}
pre{background:#f6f8fa;padding:10px 12px;border-radius:6px;overflow-x:auto;font-size:.8rem;line-height:1.4}
dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:3px 16px;font-size:.9rem}
dl.prov dt{color:var(--muted)}
dl.prov dd{margin:0;word-break:break-word}
code{font-size:.88em}
footer{margin-top:40px;color:var(--muted);font-size:.82rem}
@media (max-width:700px){
 body{font-size:14px}
 main{padding:12px 12px 40px}
 .cards{grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
 .card{padding:8px}
 .card .v{font-size:1.15rem}
 .scroll svg.chart{min-width:540px}
 dl.prov{grid-template-columns:1fr}
}
@media print{
 body{background:#fff;font-size:11pt}
 main{max-width:none;padding:0}
 nav.toc{display:none}
 section{border-top:1px solid #999;break-inside:auto}
 figure,.card,tr{break-inside:avoid}
 h2,h3{break-after:avoid}
 .map svg.chart{min-width:0}
 .scroll,.table-wrap{overflow:visible}
 summary{color:#000}
 a{color:inherit;text-decoration:none}
}
)CSS";

}  // namespace cxsim::report::html
