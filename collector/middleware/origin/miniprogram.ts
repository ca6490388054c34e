/**
 * The mini-program app id in the Referer the host sets on every request (the app cannot change it):
 * - WeChat: `https://servicewechat.com/{appid}/{version}/page-frame.html` (wx.request);
 * - Alipay: `https://{appid}.hybrid.alipay-eco.com/…`, documented as `https://urlhost/{appid}/{version}/page-frame.html` (my.request);
 * - Douyin: `https://tmaservice.developer.toutiao.com/?appid={appid}&version={version}` (tt.request).
 * Undefined for any other Referer (a browser, a server, none).
 */
export function miniprogramAppId(referer: string | undefined): string | undefined {
  if (!referer || referer.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  if (host === 'tmaservice.developer.toutiao.com') return url.searchParams.get('appid') || undefined;
  const alipay = /^([\w-]+)\.hybrid\.alipay-eco\.com$/.exec(host);
  if (alipay) return alipay[1];
  const frame = /^\/([\w-]+)\/[^/]+\/page-frame\.html$/.exec(url.pathname);
  return frame && (host === 'servicewechat.com' || url.pathname.endsWith('page-frame.html')) ? frame[1] : undefined;
}
