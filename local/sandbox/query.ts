/**
 * Parameters of AWS query-protocol requests (EC2, STS): `Action=…&InstanceId.1=…&Filter.1.Name=…`.
 */
import { SandboxApiError } from './api-errors';

export interface QueryFilter {
  name: string;
  values: string[];
}

export class QueryParams {
  private readonly values: URLSearchParams;

  constructor(body: string) {
    this.values = new URLSearchParams(body);
  }

  get(name: string): string | undefined {
    return this.values.get(name) ?? undefined;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** `Name.1`, `Name.2`, … in order. */
  list(name: string): string[] {
    const items: string[] = [];
    for (let n = 1; this.values.has(`${name}.${n}`); n++) items.push(this.values.get(`${name}.${n}`) ?? '');
    return items;
  }

  /** `Filter.N.Name` with `Filter.N.Value.M`. */
  filters(): QueryFilter[] {
    const filters: QueryFilter[] = [];
    for (let n = 1; this.values.has(`Filter.${n}.Name`); n++) {
      filters.push({ name: this.values.get(`Filter.${n}.Name`) ?? '', values: this.list(`Filter.${n}.Value`) });
    }
    return filters;
  }

  integer(name: string): number | undefined {
    const raw = this.get(name);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw)) throw new SandboxApiError('InvalidParameterValue', `Value (${raw}) for parameter ${name} is invalid. Expected an integer.`);
    return Number(raw);
  }

  boolean(name: string): boolean {
    return this.get(name)?.toLowerCase() === 'true';
  }

  require(name: string): string {
    const value = this.get(name);
    if (value === undefined || value === '') throw new SandboxApiError('MissingParameter', `The request must contain the parameter ${name}`);
    return value;
  }
}
