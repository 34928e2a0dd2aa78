// A real OpenID Connect provider for the tests: the npm package oidc-provider (OpenID Certified), on loopback.
// Usage: node tests/sso/oidc_provider.mjs CONFIG.json  (port, clients, accounts: see tests/sso/provider.py).
// Its own development login and consent pages are the interaction the browser drives: the login form takes the
// account id (any password); only the accounts of the configuration exist.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;
const page = (title, body) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head>`
  + `<body>${body}</body></html>`;

const provider = new Provider(issuer, {
  clients: config.clients,
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    phone: ['phone_number'],
    saptah: ['employee_id', 'org_code'],
  },
  scopes: ['openid', 'email', 'profile', 'phone', 'saptah'],
  pkce: { required: () => true },
  cookies: { keys: ['saptah-test-only-cookie-key'] },
  ttl: { IdToken: 600, AccessToken: 600, Session: 3600, Grant: 3600, Interaction: 600 },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Sign out', `<h1>Sign out of the test provider?</h1>${form}`
          + '<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>'
          + '<button type="submit" form="op.logoutForm">No, stay signed in</button>');
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<h1>Signed out of the test provider</h1>');
      },
    },
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(config.port, '127.0.0.1', () => console.log(`ready ${issuer}`));
