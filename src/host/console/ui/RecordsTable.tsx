// A preview of records as a table: one column per top-level field of the first records, nested values
// shortened (an object with a name shows its name; any other object, such as custom fields keyed by
// name, shows its non-empty "key: value" pairs).
const MAX_COLUMNS = 30;
const MAX_CELL = 60;

function short(text: string): string {
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return short(String(value));
  if (Array.isArray(value)) return short(value.map((v) => cellText(v)).join(', '));
  const o = value as Record<string, unknown>;
  if (typeof o.name === 'string') return short(o.name);
  const parts = Object.entries(o)
    .map(([k, v]) => [k, cellText(v)])
    .filter(([, text]) => text !== '')
    .map(([k, text]) => `${k}: ${text}`);
  return short(parts.join('; '));
}

/** A table's column headers. */
export function TableHead({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}

export function RecordsTable({ records, caption }: { records: Record<string, unknown>[]; caption: string }) {
  const columns: string[] = [];
  for (const r of records.slice(0, 20))
    for (const k of Object.keys(r)) if (!columns.includes(k) && columns.length < MAX_COLUMNS) columns.push(k);
  if (records.length === 0) return <p>No records.</p>;
  return (
    <div className="scroll">
      <table className="data">
        <caption>{caption}</caption>
        <TableHead columns={columns} />
        <tbody>
          {records.map((r, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{cellText(r[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
