import { type DataType, typeToString } from './data-type.js';
import { AnalysisError } from '../errors.js';

export interface Field {
  readonly name: string;
  readonly type: DataType;
  readonly nullable: boolean;
}

export const field = (name: string, type: DataType, nullable = true): Field => ({ name, type, nullable });

export class Schema {
  readonly fields: readonly Field[];
  constructor(fields: readonly Field[]) {
    this.fields = fields;
  }

  get names(): string[] {
    return this.fields.map((f) => f.name);
  }

  /** Index of a column by name; Spark resolves names case-insensitively when there is no exact match. */
  indexOf(name: string): number {
    let matches = this.fields.flatMap((f, i) => (f.name === name ? [i] : []));
    if (matches.length === 0) {
      const lower = name.toLowerCase();
      matches = this.fields.flatMap((f, i) => (f.name.toLowerCase() === lower ? [i] : []));
    }
    if (matches.length > 1) {
      throw new AnalysisError(`Column reference '${name}' is ambiguous: ${matches.length} columns have that name; rename one side with withColumnRenamed() or alias()`);
    }
    return matches.length === 1 ? matches[0]! : -1;
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  resolve(name: string): number {
    const i = this.indexOf(name);
    if (i < 0) {
      throw new AnalysisError(
        `Column '${name}' does not exist. Available columns: ${this.fields.map((f) => f.name).join(', ') || '(none)'}`,
      );
    }
    return i;
  }

  field(name: string): Field {
    return this.fields[this.resolve(name)]!;
  }

  toString(): string {
    return this.fields.map((f) => `${f.name}: ${typeToString(f.type)}`).join(', ');
  }

  treeString(): string {
    const lines = ['root'];
    for (const f of this.fields) lines.push(` |-- ${f.name}: ${typeToString(f.type)} (nullable = ${f.nullable})`);
    return lines.join('\n');
  }
}
