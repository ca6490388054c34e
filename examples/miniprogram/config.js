// Your collector and write key. The collector's domain goes in the platform's request allowlist
// (WeChat: 开发管理 → 服务器域名 → request 合法域名).
module.exports = {
  writeKey: 'YOUR_WRITE_KEY',
  endpoint: 'https://collect.example.com',
};
