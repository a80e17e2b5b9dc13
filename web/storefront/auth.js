// Sign-in with the Cognito user pool: InitiateAuth (USER_PASSWORD_AUTH) against an app
// client without a secret, one JSON POST, as the AWS SDK would send it. The tokens are
// kept for the tab only (sessionStorage).
const KEY = "shop.session";

export async function signIn(config, username, password) {
  const response = await fetch(config.cognitoEndpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
    },
    body: JSON.stringify({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: config.userPoolClientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.AuthenticationResult) {
    throw new Error(body.message || body.Message || "Sign-in failed");
  }
  const result = body.AuthenticationResult;
  const session = {
    username,
    accessToken: result.AccessToken,
    expiresAt: Date.now() + result.ExpiresIn * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function currentSession() {
  const session = JSON.parse(sessionStorage.getItem(KEY) || "null");
  return session && session.expiresAt > Date.now() + 30_000 ? session : null;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}
