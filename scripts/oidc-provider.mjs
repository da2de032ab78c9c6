#!/usr/bin/env node
// A local OpenID provider for the demo (`scripts/run --oidc-demo`) and the end-to-end tests:
// npm's `oidc-provider` (a certified OpenID Connect implementation) on loopback, with its own
// sign-in and consent pages, demo users, JWT access tokens for the Action Center API (RS256,
// with the user's roles), refresh tokens that rotate and end with the provider session, and
// RP-initiated logout. Nothing here is for production: users and passwords are fixed and
// everything lives in memory.
//
//   node scripts/oidc-provider.mjs --port 8090 --app http://127.0.0.1:8080 [--app URL …]
//     [--client-id action-center-app] [--audience api://action-center] [--access-token-ttl 300]
//
// It prints `oidc provider listening on http://127.0.0.1:PORT` once it serves, and the users.

import crypto from 'node:crypto';
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';

const args = process.argv.slice(2);
function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
function options(name) {
  return args.flatMap((a, i) => (a === `--${name}` && i + 1 < args.length ? [args[i + 1]] : []));
}

const PORT = Number(option('port', '0'));
const APPS = options('app').map((u) => new URL(u).origin);
const CLIENT_ID = option('client-id', 'action-center-app');
const AUDIENCE = option('audience', 'api://action-center');
const ACCESS_TOKEN_TTL = Number(option('access-token-ttl', '300'));
/** The scope of the Action Center API (a resource server here, as an API is in Entra ID). */
const API_SCOPE = 'action-center';

if (APPS.length === 0) {
  console.error('oidc-provider: at least one --app URL (the Action Center origin) is required');
  process.exit(2);
}

/** Demo users: sign-in name, password, claims and Action Center roles. */
const USERS = {
  dana: { password: 'demo-password', sub: 'a1f0c7e2-dana', name: 'Dana Demo', email: 'dana@example.com', roles: ['responder'] },
  vic: { password: 'demo-password', sub: 'b7d94e01-vic', name: 'Vic Viewer', email: 'vic@example.com', roles: ['viewer'] },
};
const BY_SUB = Object.fromEntries(Object.values(USERS).map((u) => [u.sub, u]));

const html = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `body{font-family:system-ui,sans-serif;background:#f3f4f6;color:#111;margin:0}
main{max-width:360px;margin:60px auto;background:#fff;padding:24px 28px;border-radius:8px;box-shadow:0 1px 4px #0003}
h1{font-size:1.3rem;margin:0 0 4px}p{color:#444}label{display:block;margin:14px 0 4px;font-weight:600}
input{width:100%;box-sizing:border-box;padding:8px;font-size:1rem;border:1px solid #888;border-radius:4px}
button{margin-top:18px;width:100%;min-height:36px;font-size:1rem;border:0;border-radius:4px;background:#2b579a;color:#fff;cursor:pointer}
button.secondary{background:#e5e7eb;color:#111}.error{color:#a4262c;font-weight:600}`;

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${html(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function send(res, status, body) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self' ${APPS.join(' ')}; frame-ancestors 'none'`,
  });
  res.end(body);
}

function loginPage(uid, error) {
  return page('Sign in · Demo identity provider', `
<h1>Demo identity provider</h1><p>Sign in to continue to Action Center.</p>
${error ? `<p class="error" role="alert">${html(error)}</p>` : ''}
<form method="post" action="/interaction/${html(uid)}/login" autocomplete="off">
<label for="login">Username</label><input id="login" name="login" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button></form>
<form method="post" action="/interaction/${html(uid)}/abort"><button class="secondary" type="submit">Cancel</button></form>`);
}

function consentPage(uid, user, details) {
  const scopes = [...(details.missingOIDCScope || []), ...Object.values(details.missingResourceScopes || {}).flat()];
  return page('Allow access · Demo identity provider', `
<h1>Allow Action Center?</h1><p>Signed in as <strong>${html(user?.name ?? 'unknown')}</strong>.
Action Center asks for: ${html(scopes.join(', ') || 'your sign-in')}.</p>
<form method="post" action="/interaction/${html(uid)}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${html(uid)}/abort"><button class="secondary" type="submit">Deny</button></form>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `demo-${Date.now().toString(36)}`, alg: 'RS256', use: 'sig' };

const server = http.createServer();
await new Promise((resolve) => server.listen(PORT, '127.0.0.1', resolve));
const ISSUER = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: CLIENT_ID,
    client_name: 'Action Center',
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: APPS.map((o) => `${o}/`),
    post_logout_redirect_uris: APPS.map((o) => `${o}/`),
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  async findAccount(_ctx, sub) {
    const user = BY_SUB[sub];
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        const login = Object.keys(USERS).find((k) => USERS[k] === user);
        return { sub, name: user.name, preferred_username: login, email: user.email, email_verified: true };
      },
    };
  },
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.type = 'html';
        ctx.body = page('Sign out · Demo identity provider', `<h1>Sign out of the demo identity provider?</h1>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button class="secondary" type="submit" form="op.logoutForm">No, stay signed in</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.type = 'html';
        ctx.body = page('Signed out · Demo identity provider', '<h1>You are signed out</h1><p>You can close this page.</p>');
      },
    },
    resourceIndicators: {
      enabled: true,
      // The app asks for the API by scope (as with Entra ID or Okta), not with `resource=`.
      defaultResource: () => AUDIENCE,
      useGrantedResource: () => true,
      getResourceServerInfo(_ctx, resource) {
        if (resource !== AUDIENCE) throw new errors.InvalidTarget();
        return {
          scope: API_SCOPE,
          audience: AUDIENCE,
          accessTokenTTL: ACCESS_TOKEN_TTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  // The access token carries who the user is and their Action Center roles.
  async extraTokenClaims(_ctx, token) {
    const user = BY_SUB[token.accountId];
    if (!user || token.kind !== 'AccessToken') return undefined;
    return { name: user.name, email: user.email, roles: user.roles };
  },
  // A single-page app gets a refresh token (rotated on every use, as for public clients) that
  // ends with the provider session: signing out at the provider ends the app's session too.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  clientBasedCORS: (_ctx, origin) => APPS.includes(origin),
  pkce: { required: () => true },
  ttl: {
    AccessToken: ACCESS_TOKEN_TTL,
    IdToken: 3600,
    AuthorizationCode: 60,
    RefreshToken: 8 * 3600,
    Session: 8 * 3600,
    Grant: 8 * 3600,
    Interaction: 600,
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error · Demo identity provider', `<h1>Something went wrong</h1><p class="error" role="alert">${html(out.error)}: ${html(out.error_description || '')}</p>`);
  },
});
provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error:', err));

async function interaction(req, res) {
  const url = new URL(req.url, ISSUER);
  const [, , uid, step] = url.pathname.split('/');
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, page('Error', '<p>This sign-in page has expired. Start again.</p>'));
    if (req.method === 'GET') {
      if (details.prompt.name === 'login') return send(res, 200, loginPage(uid));
      const user = BY_SUB[details.session?.accountId];
      return send(res, 200, consentPage(uid, user, details.prompt.details));
    }
    if (req.method !== 'POST') return send(res, 405, page('Error', '<p>Method not allowed</p>'));
    const form = await readForm(req);
    if (step === 'login') {
      const user = USERS[(form.get('login') || '').trim().toLowerCase()];
      if (!user || !crypto.timingSafeEqual(
        crypto.createHash('sha256').update(form.get('password') || '').digest(),
        crypto.createHash('sha256').update(user.password).digest(),
      )) {
        return send(res, 200, loginPage(uid, 'That user name and password do not match.'));
      }
      return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
    }
    if (step === 'confirm') {
      const { prompt: { details: missing }, params, session } = details;
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
    }
    if (step === 'abort') {
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user cancelled the sign-in' }, { mergeWithLastSubmission: false });
    }
    return send(res, 404, page('Error', '<p>Not found</p>'));
  } catch (err) {
    console.error('oidc-provider interaction:', err.message);
    return send(res, 400, page('Error', `<p class="error" role="alert">${html(err.message)}</p>`));
  }
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res);
  } else {
    callback(req, res);
  }
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

console.log(`demo identity provider users (user name / password / Action Center role):`);
for (const [login, u] of Object.entries(USERS)) {
  console.log(`  ${login} / ${u.password} / ${u.roles.join(', ')}  (${u.name})`);
}
console.log(`client ${CLIENT_ID}, audience ${AUDIENCE}, access tokens for ${ACCESS_TOKEN_TTL} s`);
console.log(`oidc provider listening on ${ISSUER}`);
