// A small XML reader for PAN-OS XML API responses: elements, attributes, text, CDATA, comments,
// the five named entities and numeric character references. No DTDs or external entities are
// processed (nothing to expand, nothing to fetch). Responses are bounded in size and depth; bad
// XML returns an error instead of throwing.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

/** Largest document read, characters (log pages of 5,000 entries run to tens of MB). */
export const MAX_XML_CHARS = 256 * 1024 * 1024;
/** Deepest nesting accepted. */
export const MAX_XML_DEPTH = 64;

export type XmlParse = { root: XmlElement; error?: undefined } | { root?: undefined; error: string };

/** A start tag with its attributes, matched in place (sticky) at the current offset. */
const START_TAG = /<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;

const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[a-z]{2,4});/g, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return NAMED[e] ?? m;
  });
}

export function parseXml(text: string): XmlParse {
  if (text.length > MAX_XML_CHARS) return { error: 'document too large' };
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const top = stack[stack.length - 1];
    if (lt < 0 || lt > i) {
      const chunk = text.slice(i, lt < 0 ? n : lt);
      if (top) top.text += decodeEntities(chunk);
      else if (chunk.trim() !== '') return { error: 'text outside the root element' };
      if (lt < 0) break;
    }
    i = lt;
    if (text.startsWith('<?', i)) {
      const e = text.indexOf('?>', i);
      if (e < 0) return { error: 'unterminated processing instruction' };
      i = e + 2;
    } else if (text.startsWith('<!--', i)) {
      const e = text.indexOf('-->', i);
      if (e < 0) return { error: 'unterminated comment' };
      i = e + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const e = text.indexOf(']]>', i);
      if (e < 0 || !top) return { error: 'bad CDATA section' };
      top.text += text.slice(i + 9, e);
      i = e + 3;
    } else if (text.startsWith('<!', i)) {
      // DOCTYPE and other declarations are skipped, never interpreted (no entity expansion).
      let e = text.indexOf('>', i);
      const bracket = text.indexOf('[', i);
      if (bracket >= 0 && e >= 0 && bracket < e) {
        const close = text.indexOf(']', bracket);
        e = close < 0 ? -1 : text.indexOf('>', close);
      }
      if (e < 0) return { error: 'unterminated declaration' };
      i = e + 1;
    } else if (text.startsWith('</', i)) {
      const e = text.indexOf('>', i);
      if (e < 0) return { error: 'unterminated end tag' };
      const name = text.slice(i + 2, e).trim();
      const open = stack.pop();
      if (!open || open.name !== name) return { error: `mismatched end tag </${name}>` };
      i = e + 1;
    } else {
      START_TAG.lastIndex = i;
      const m = START_TAG.exec(text);
      if (!m) return { error: `bad tag at offset ${i}` };
      const el: XmlElement = { name: m[1] as string, attrs: {}, children: [], text: '' };
      const attrRe = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
      for (let a = attrRe.exec(m[2] ?? ''); a; a = attrRe.exec(m[2] ?? '')) {
        el.attrs[a[1] as string] = decodeEntities(a[2] ?? a[3] ?? '');
      }
      if (top) top.children.push(el);
      else if (root) return { error: 'more than one root element' };
      else root = el;
      if (m[3] !== '/') {
        if (stack.length >= MAX_XML_DEPTH) return { error: 'nesting too deep' };
        stack.push(el);
      }
      i += m[0].length;
    }
  }
  if (stack.length > 0) return { error: `unclosed element <${stack[stack.length - 1]?.name}>` };
  if (!root) return { error: 'no root element' };
  return { root };
}

/** The first descendant along a path of element names: child(root, 'result', 'job', 'status'). */
export function child(el: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  let cur = el;
  for (const p of path) {
    cur = cur?.children.find((c) => c.name === p);
    if (!cur) return undefined;
  }
  return cur;
}

/** Text of an element, all descendants' text included, trimmed. */
export function textOf(el: XmlElement | undefined): string {
  if (!el) return '';
  let t = el.text;
  for (const c of el.children) t += textOf(c);
  return t.trim();
}
