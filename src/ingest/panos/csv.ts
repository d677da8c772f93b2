// A CSV field splitter for PAN-OS log bodies. PAN-OS quotes a field with double quotes when it
// contains a comma, and doubles a quote inside a quoted field (the CSV convention of RFC 4180).
// Wire data never throws: a bad line returns an error code instead of fields.

/** Most fields a body may have; PAN-OS 11.1 THREAT logs have about 121, later releases append. */
export const MAX_CSV_FIELDS = 512;

export type CsvResult = { fields: string[] } | { error: 'unterminated_quote' | 'too_many_fields' | 'bad_quote' };

/** Splits one CSV line into fields; quotes are removed and doubled quotes collapsed. */
export function splitCsv(line: string, maxFields = MAX_CSV_FIELDS): CsvResult {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    if (fields.length >= maxFields) return { error: 'too_many_fields' };
    if (i < n && line.charCodeAt(i) === 0x22 /* " */) {
      // Quoted field: runs to the next quote that is not doubled.
      let value = '';
      let start = i + 1;
      let j = start;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) return { error: 'unterminated_quote' };
        if (line.charCodeAt(q + 1) === 0x22) {
          value += line.slice(start, q + 1);
          j = q + 2;
          start = j;
          continue;
        }
        value += line.slice(start, q);
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i >= n) return { fields };
      if (line.charCodeAt(i) !== 0x2c /* , */) return { error: 'bad_quote' };
      i++;
      continue;
    }
    const comma = line.indexOf(',', i);
    if (comma < 0) {
      fields.push(line.slice(i));
      return { fields };
    }
    fields.push(line.slice(i, comma));
    i = comma + 1;
  }
}
