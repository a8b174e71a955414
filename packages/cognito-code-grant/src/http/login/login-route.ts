/** GET `{prefix}/login`: starts a sign-in (state, nonce, PKCE in a sealed cookie), then to Cognito. */
import { buildAuthorizeUrl } from '../../oauth/authorize-url.ts';
import { pkceChallenge } from '../../oauth/pkce.ts';
import { randomToken } from '../../util/random.ts';
import { parseCookies } from '../../session/cookies.ts';
import { writeLoginState } from '../../session/login-state.ts';
import type { LoginContext } from './context.ts';
import { requestBaseUrl } from './proxy-trust.ts';
import { redirect } from './responses.ts';
import { safeReturnTo } from './return-to.ts';

export function createLoginRoute(ctx: LoginContext): (request: Request) => Promise<Response> {
  const { config } = ctx;
  const { random, now, prefix } = config;
  return async function login(request: Request): Promise<Response> {
    try {
      const q = new URL(request.url).searchParams;
      const base = requestBaseUrl(config, (n) => request.headers.get(n));
      const redirectUri = `${base}${prefix}/callback`;
      const state = randomToken(random, 32);
      const nonce = randomToken(random, 32);
      const codeVerifier = randomToken(random, 32);
      const location = buildAuthorizeUrl({
        authorizeEndpoint: config.endpoints.authorize,
        clientId: config.pool.clientId,
        redirectUri,
        scopes: config.scopes,
        state,
        nonce,
        codeChallenge: pkceChallenge(codeVerifier),
        identityProvider: q.get('identity_provider') ?? undefined,
        loginHint: q.get('login_hint') ?? undefined,
        lang: q.get('lang') ?? undefined,
      });
      const t = now();
      const setCookies = writeLoginState(
        ctx.loginCookies,
        {
          state,
          nonce,
          codeVerifier,
          redirectUri,
          returnTo: safeReturnTo(q.get('returnTo')),
          createdAt: t,
          expiresAt: t + config.loginTimeoutMs,
        },
        parseCookies(ctx.cookieHeader(request.headers.get('cookie'))),
        t,
      );
      return redirect(location, setCookies);
    } catch (error) {
      return ctx.answerError(request, error);
    }
  };
}
