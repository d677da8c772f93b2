// A small Prometheus text-format registry: counters and gauges with labels, and gauges whose value
// is read when scraped. No global registry: the composition root makes one and hands it around.

type Labels = Record<string, string>;

interface Family {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
  collect?: () => number | { labels: Labels; value: number }[];
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`)
    .join(',');
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  private family(name: string, help: string, type: Family['type']): Family {
    let f = this.families.get(name);
    if (!f) {
      f = { help, type, values: new Map() };
      this.families.set(name, f);
    }
    return f;
  }

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const f = this.family(name, help, 'counter');
    const key = labelKey(labels);
    const v = f.values.get(key);
    if (v) v.value += by;
    else f.values.set(key, { labels, value: by });
  }

  set(name: string, help: string, value: number, labels: Labels = {}): void {
    this.family(name, help, 'gauge').values.set(labelKey(labels), { labels, value });
  }

  /** A gauge (or counter) read from elsewhere at scrape time. */
  collect(name: string, help: string, type: Family['type'], fn: NonNullable<Family['collect']>): void {
    this.family(name, help, type).collect = fn;
  }

  render(): string {
    const out: string[] = [];
    for (const [name, f] of [...this.families.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      const rows = [...f.values.values()];
      if (f.collect) {
        const c = f.collect();
        if (typeof c === 'number') rows.push({ labels: {}, value: c });
        else rows.push(...c);
      }
      for (const r of rows) {
        const k = labelKey(r.labels);
        out.push(`${name}${k ? `{${k}}` : ''} ${Number.isFinite(r.value) ? r.value : 0}`);
      }
    }
    return `${out.join('\n')}\n`;
  }
}
