/**
 * The user pool domain endpoints (cognito-facts.md §3), one file each under oauth/:
 * /oauth2/authorize and /error, /login, /oauth2/token, /oauth2/revoke, /oauth2/userInfo, /logout.
 */
export { handleAuthorize, handleError, SESSION_COOKIE, XSRF_COOKIE } from './oauth/authorize.ts';
export { handleLoginGet, handleLoginPost } from './oauth/login.ts';
export { handleLogout } from './oauth/logout.ts';
export { handleRevoke } from './oauth/revoke.ts';
export { handleToken } from './oauth/token.ts';
export { handleUserInfo } from './oauth/userinfo.ts';
