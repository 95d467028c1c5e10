// Writes Parquet files for glued's tests with a real Parquet writer (hyparquet-writer).
// Usage: node write.mjs SPEC.json   where SPEC is a list of {"file": path, "columns": [{name, type, data}],
// "schema": optional explicit parquet schema, "rowGroupSize": optional}. Timestamps are given as ISO strings.
import { readFileSync } from 'node:fs'
import { parquetWriteFile } from 'hyparquet-writer'

const specs = JSON.parse(readFileSync(process.argv[2], 'utf8'))
for (const spec of specs) {
  const columnData = spec.columns.map((c) => ({
    ...c,
    data: c.type === 'TIMESTAMP' ? c.data.map((v) => (v === null ? null : new Date(v))) :
          c.type === 'INT64' ? c.data.map((v) => (v === null ? null : BigInt(v))) :
          c.type === 'BYTE_ARRAY' ? c.data.map((v) => (v === null ? null : Uint8Array.from(v))) : c.data,
  }))
  const opts = { filename: spec.file, columnData }
  if (spec.schema) opts.schema = spec.schema
  if (spec.rowGroupSize) opts.rowGroupSize = spec.rowGroupSize
  parquetWriteFile(opts)
}
