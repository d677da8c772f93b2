// Secrets never reach a log: API keys, passwords and the X-PAN-KEY header are masked in any text
// the client logs (URLs, request bodies, error messages, response snippets). Every logging path of
// the PAN-OS client goes through `redact`.

const MASK = '***';

export function redact(text: string): string {
  return text
    .replace(/([?&]|^)(key|password|passwd|user-password)=([^&\s]*)/gi, (_m, p: string, k: string) => `${p}${k}=${MASK}`)
    .replace(/(X-PAN-KEY\s*[:=]\s*)("?)[^\s",}]+/gi, (_m, h: string, q: string) => `${h}${q}${MASK}`)
    .replace(/("?(?:key|password|x-pan-key)"?\s*:\s*")[^"]*(")/gi, (_m, a: string, b: string) => `${a}${MASK}${b}`)
    .replace(/<key>[^<]*<\/key>/gi, `<key>${MASK}</key>`);
}
