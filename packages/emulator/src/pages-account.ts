/**
 * HTML of the hosted sign-up, confirm-account, forgot-password and reset-password pages (the
 * managed-login pages Cognito serves at /signup, /confirmUser, /forgotPassword and
 * /confirmForgotPassword). Field names are the emulator's own.
 */
import { escapeHtml } from './http.ts';
import { layout } from './pages.ts';

export interface FormPageInput {
  action: string;
  csrf: string;
  /** Back to the sign-in form with the same authorize parameters. */
  signInHref: string;
  error?: string | undefined;
  notice?: string | undefined;
}

function messages(p: FormPageInput): string {
  return `${p.notice ? `<div class="ok" role="status">${escapeHtml(p.notice)}</div>` : ''}${
    p.error ? `<div class="err" role="alert">${escapeHtml(p.error)}</div>` : ''
  }`;
}

function field(
  id: string,
  name: string,
  label: string,
  type: string,
  autocomplete: string,
  value = '',
): string {
  return `<label for="${id}">${label}</label>
<input id="${id}" name="${name}" type="${type}" autocomplete="${autocomplete}" autocapitalize="none" required value="${escapeHtml(value)}">`;
}

export function signUpPage(
  p: FormPageInput & { clientName: string; username?: string; email?: string },
): string {
  return layout(
    'Sign up',
    `<h1>Sign up</h1><p class="sub">for <b>${escapeHtml(p.clientName)}</b></p>
${messages(p)}
<form method="post" action="${escapeHtml(p.action)}" name="cognitoSignUpForm">
<input type="hidden" name="_csrf" value="${escapeHtml(p.csrf)}">
${field('signUpUsername', 'username', 'Username', 'text', 'username', p.username)}
${field('signUpEmail', 'email', 'Email', 'email', 'email', p.email)}
${field('signUpPassword', 'password', 'Password', 'password', 'new-password')}
<button type="submit" name="signUpButton" value="Sign up">Sign up</button>
</form>
<p class="link">Already have an account? <a href="${escapeHtml(p.signInHref)}">Sign in</a></p>`,
  );
}

export function confirmSignUpPage(
  p: FormPageInput & { username: string; destination?: string | undefined },
): string {
  return layout(
    'Confirm your account',
    `<h1>Confirm your account</h1><p class="sub">${
      p.destination ? `We sent a code to <b>${escapeHtml(p.destination)}</b>. ` : ''
    }Enter it to confirm <b>${escapeHtml(p.username)}</b>.</p>
${messages(p)}
<form method="post" action="${escapeHtml(p.action)}" name="cognitoConfirmForm">
<input type="hidden" name="_csrf" value="${escapeHtml(p.csrf)}">
${field('confirmCode', 'code', 'Verification code', 'text', 'one-time-code')}
<button type="submit" name="confirmButton" value="Confirm">Confirm account</button>
</form>
<form method="post" action="${escapeHtml(p.action)}" name="cognitoResendForm">
<input type="hidden" name="_csrf" value="${escapeHtml(p.csrf)}">
<input type="hidden" name="resend" value="1">
<p class="link"><button type="submit" class="linklike" name="resendButton" value="Resend">Resend code</button></p>
</form>`,
  );
}

export function forgotPasswordPage(p: FormPageInput & { username?: string }): string {
  return layout(
    'Forgot your password?',
    `<h1>Forgot your password?</h1><p class="sub">Enter your username and we will send a code to reset your password.</p>
${messages(p)}
<form method="post" action="${escapeHtml(p.action)}" name="cognitoForgotForm">
<input type="hidden" name="_csrf" value="${escapeHtml(p.csrf)}">
${field('forgotUsername', 'username', 'Username', 'text', 'username', p.username)}
<button type="submit" name="forgotButton" value="Reset">Reset my password</button>
</form>
<p class="link"><a href="${escapeHtml(p.signInHref)}">Back to sign in</a></p>`,
  );
}

export function confirmForgotPasswordPage(p: FormPageInput & { username: string }): string {
  return layout(
    'Reset your password',
    `<h1>Reset your password</h1><p class="sub">We sent a code to reset the password of <b>${escapeHtml(p.username)}</b>, if that account exists.</p>
${messages(p)}
<form method="post" action="${escapeHtml(p.action)}" name="cognitoResetForm">
<input type="hidden" name="_csrf" value="${escapeHtml(p.csrf)}">
${field('resetCode', 'code', 'Code', 'text', 'one-time-code')}
${field('resetPassword', 'password', 'New password', 'password', 'new-password')}
${field('resetConfirm', 'confirm_password', 'Enter new password again', 'password', 'new-password')}
<button type="submit" name="resetButton" value="Change">Change password</button>
</form>
<p class="link"><a href="${escapeHtml(p.signInHref)}">Back to sign in</a></p>`,
  );
}
