/** The README's script-tag snippet loading `bundle` from the collector, then `init(options)`. */
export function snippet(bundle: string, options: Record<string, unknown> = {}): string {
  return `<script>
    !function(w,d){var t=w.touchpoint=w.touchpoint||[];if(t.init)return;
    ["init","track","page","screen","identify","alias","group","reset","flush"].forEach(function(m){
    t[m]=function(){t.push([m].concat([].slice.call(arguments)))}});
    var s=d.createElement("script");s.async=!0;s.src="${bundle}";d.head.appendChild(s)}(window,document);
    touchpoint.init(${JSON.stringify({ writeKey: 'demo', endpoint: '', ...options })});
  </script>`;
}
