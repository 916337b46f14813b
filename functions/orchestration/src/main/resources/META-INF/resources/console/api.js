// Calls of the read API as the page's user: the API key the user gave (kept in this tab's sessionStorage) goes in
// the header the admission layer reads, so the console is admitted, limited and refused exactly as the API is.
const KEY = 'quiver.apiKey';

export class Refused extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function apiKey() {
  return sessionStorage.getItem(KEY) || '';
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY);
}

export async function get(path) {
  const headers = { Accept: 'application/json' };
  if (apiKey()) headers['X-API-Key'] = apiKey();
  const response = await fetch(path, { headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Refused(response.status, `${path}: ${response.status} ${body.error || response.statusText}`);
  }
  return body;
}

/** Why a call failed, in words for the page: a refusal names what would admit it. */
export function explain(error) {
  if (error.status === 401) return `${error.message}: an API key is needed (enter one above)`;
  if (error.status === 403) return `${error.message}: this API key is not an admin's`;
  if (error.status === 429) return `${error.message}: over this caller's limit, try again shortly`;
  return error.message;
}
