/** HTML of the hosted sign-in page, the new-password step and the error page. */
import { escapeHtml } from './http.ts';

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f2f3f3;color:#16191f}
main{max-width:380px;margin:8vh auto;background:#fff;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.15);padding:28px 32px}
h1{font-size:20px;margin:0 0 4px}p.sub{margin:0 0 20px;color:#5f6b7a;font-size:13px}
label{display:block;font-weight:600;margin:14px 0 4px}input[type=text],input[type=email],input[type=password]{width:100%;padding:9px 10px;border:1px solid #8c8c94;border-radius:4px;font:inherit}
input:focus{outline:2px solid #0972d3;border-color:#0972d3}button.linklike{background:none;border:0;color:#0972d3;width:auto;margin:0;padding:0;font-weight:400}button{margin-top:22px;width:100%;padding:10px;border:0;border-radius:20px;background:#ff9900;color:#000;font-weight:700;font:inherit;cursor:pointer}
.ok{background:#f2fcf3;border:1px solid #037f0c;color:#1d5e26;padding:9px 12px;border-radius:4px;margin:0 0 12px}
p.link{margin:12px 0 0;font-size:13px;text-align:center}a{color:#0972d3}
.err{background:#fff1f0;border:1px solid #d91515;color:#a3000b;padding:9px 12px;border-radius:4px;margin:0 0 12px}
footer{margin-top:18px;font-size:12px;color:#5f6b7a;text-align:center}code{font-size:12px}`;

export function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}<footer>Local Cognito emulator &middot; not Amazon Cognito</footer></main></body></html>`;
}

export interface LoginPageInput {
  action: string;
  signUpHref: string;
  forgotHref: string;
  notice?: string | undefined;
  csrf: string;
  clientName: string;
  poolId: string;
  username?: string;
  error?: string;
}

/** The sign-in form. Field names follow Cognito's hosted UI (`username`, `password`, `_csrf`). */
export function loginPage(p: LoginPageInput): string {
  return layout(
    'Sign in',
    `<h1>Sign in</h1><p class="sub">to <b>${escapeHtml(p.clientName)}</b> &middot; <code>${escapeHtml(p.poolId)}</code></p>
${p.notice ? `<div class="ok" role="status">${escapeHtml(p.notice)}</div>` : ''}${p.error ? `<div class="err" role="alert">${escapeHtml(p.error)}</div>` : ''}
<form method="post" action="${escapeHtml(p.action)}" name="cognitoSignInForm">
<input type="hidden" name="_csrf" value="${escapeHtml(p.csrf)}">
<label for="signInFormUsername">Username</label>
<input id="signInFormUsername" name="username" type="text" autocomplete="username" autocapitalize="none" required autofocus value="${escapeHtml(p.username ?? '')}">
<label for="signInFormPassword">Password</label>
<input id="signInFormPassword" name="password" type="password" autocomplete="current-password" required>
<p class="link"><a href="${escapeHtml(p.forgotHref)}">Forgot your password?</a></p>
<button type="submit" name="signInSubmitButton" value="Sign in">Sign in</button>
</form>
<p class="link">Need an account? <a href="${escapeHtml(p.signUpHref)}">Sign up</a></p>`,
  );
}

export interface NewPasswordPageInput {
  action: string;
  csrf: string;
  challenge: string;
  username: string;
  error?: string;
}

/** Shown to a FORCE_CHANGE_PASSWORD user after the temporary password was accepted. */
export function newPasswordPage(p: NewPasswordPageInput): string {
  return layout(
    'Change password',
    `<h1>Change password</h1><p class="sub">Please enter a new password for <b>${escapeHtml(p.username)}</b>.</p>
${p.error ? `<div class="err" role="alert">${escapeHtml(p.error)}</div>` : ''}
<form method="post" action="${escapeHtml(p.action)}" name="cognitoNewPasswordForm">
<input type="hidden" name="_csrf" value="${escapeHtml(p.csrf)}">
<input type="hidden" name="challenge" value="${escapeHtml(p.challenge)}">
<label for="newPassword">New password</label>
<input id="newPassword" name="new_password" type="password" autocomplete="new-password" required>
<label for="confirmPassword">Confirm password</label>
<input id="confirmPassword" name="confirm_password" type="password" autocomplete="new-password" required>
<button type="submit" name="newPasswordSubmitButton" value="Send">Send</button>
</form>`,
  );
}

export function errorPage(error: string, description?: string): string {
  return layout(
    'An error was encountered',
    `<h1>An error was encountered with the requested page.</h1><div class="err" role="alert"><code>${escapeHtml(error)}</code>${
      description ? `<br>${escapeHtml(description)}` : ''
    }</div>`,
  );
}
