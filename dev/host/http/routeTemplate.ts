/**
 * ASP.NET-style route templates as the Functions host uses them for HTTP triggers: literal segments,
 * `{name}`, optional `{name?}`, defaults `{name=value}`, catch-all `{*rest}` and inline constraints such
 * as `{id:int}` or `{code:regex(^[a-z]+$)}`. Literals match case-insensitively; values are URL-decoded.
 */

type Constraint = (value: string) => boolean;

interface ParameterPart {
  kind: 'parameter';
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
  constraints: Constraint[];
}

interface LiteralPart {
  kind: 'literal';
  text: string;
}

type Segment = { parts: (LiteralPart | ParameterPart)[] };

export class RouteTemplateError extends Error {
  constructor(template: string, reason: string) {
    super(`Invalid route template "${template}": ${reason}`);
    this.name = 'RouteTemplateError';
  }
}

const INT_RE = /^-?\d+$/;
const DECIMAL_RE = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const GUID_RE = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i;

function numberArgs(args: string, count: number, template: string, name: string): number[] {
  const values = args.split(',').map((arg) => Number(arg.trim()));
  if (values.length !== count || values.some((v) => !Number.isFinite(v))) {
    throw new RouteTemplateError(template, `constraint ${name}(${args}) needs ${count} number(s)`);
  }
  return values;
}

function buildConstraint(spec: string, template: string): Constraint {
  const match = /^([a-zA-Z]+)(?:\((.*)\))?$/s.exec(spec);
  if (!match) {
    throw new RouteTemplateError(template, `unreadable constraint "${spec}"`);
  }
  const name = (match[1] ?? '').toLowerCase();
  const args = match[2] ?? '';
  switch (name) {
    case 'int':
      return (v) => INT_RE.test(v) && Math.abs(Number(v)) <= 2 ** 31;
    case 'long':
      return (v) => INT_RE.test(v);
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'guid':
      return (v) => GUID_RE.test(v);
    case 'decimal':
    case 'double':
    case 'float':
      return (v) => DECIMAL_RE.test(v);
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'min': {
      const [min = 0] = numberArgs(args, 1, template, name);
      return (v) => INT_RE.test(v) && Number(v) >= min;
    }
    case 'max': {
      const [max = 0] = numberArgs(args, 1, template, name);
      return (v) => INT_RE.test(v) && Number(v) <= max;
    }
    case 'range': {
      const [min = 0, max = 0] = numberArgs(args, 2, template, name);
      return (v) => INT_RE.test(v) && Number(v) >= min && Number(v) <= max;
    }
    case 'minlength': {
      const [min = 0] = numberArgs(args, 1, template, name);
      return (v) => v.length >= min;
    }
    case 'maxlength': {
      const [max = 0] = numberArgs(args, 1, template, name);
      return (v) => v.length <= max;
    }
    case 'length': {
      const values =
        args.split(',').length === 2
          ? numberArgs(args, 2, template, name)
          : numberArgs(args, 1, template, name);
      const [min = 0, max = min] = values;
      return (v) => v.length >= min && v.length <= max;
    }
    case 'regex': {
      let re: RegExp;
      try {
        // ASP.NET regex constraints are case-insensitive.
        re = new RegExp(args, 'i');
      } catch (error) {
        throw new RouteTemplateError(template, `bad regex constraint: ${(error as Error).message}`);
      }
      return (v) => re.test(v);
    }
    default:
      throw new RouteTemplateError(template, `unknown constraint "${name}"`);
  }
}

/** Splits `name:c1:c2(args)=default?` at top-level colons (a regex may contain colons in parentheses). */
function splitParameter(body: string): string[] {
  const pieces: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of body) {
    if (ch === '(') {
      depth++;
    }
    if (ch === ')') {
      depth--;
    }
    if (ch === ':' && depth === 0) {
      pieces.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  pieces.push(current);
  return pieces;
}

function parseParameter(body: string, template: string): ParameterPart {
  // Inside a parameter, braces (as in a regex quantifier) are written doubled.
  let text = body.replaceAll('{{', '{').replaceAll('}}', '}');
  const catchAll = text.startsWith('*');
  if (catchAll) {
    text = text.replace(/^\*+/, '');
  }
  const [rawName = '', ...constraintSpecs] = splitParameter(text);
  let name = rawName;
  let optional = false;
  let defaultValue: string | undefined;
  // Optional and default markers follow the last constraint, or the name when there is none.
  const tailHolder = constraintSpecs.length > 0 ? constraintSpecs.length - 1 : -1;
  let tail = tailHolder >= 0 ? (constraintSpecs[tailHolder] ?? '') : name;
  if (tail.endsWith('?')) {
    optional = true;
    tail = tail.slice(0, -1);
  }
  const eq = tail.lastIndexOf('=');
  if (eq >= 0 && !(tailHolder >= 0 && tail.lastIndexOf(')') > eq)) {
    defaultValue = tail.slice(eq + 1);
    tail = tail.slice(0, eq);
  }
  if (tailHolder >= 0) {
    constraintSpecs[tailHolder] = tail;
  } else {
    name = tail;
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new RouteTemplateError(template, `bad parameter name "${name}"`);
  }
  const part: ParameterPart = {
    kind: 'parameter',
    name,
    optional: optional || catchAll,
    catchAll,
    constraints: constraintSpecs.map((spec) => buildConstraint(spec, template)),
  };
  if (defaultValue !== undefined) {
    part.defaultValue = defaultValue;
  }
  return part;
}

function parseSegment(text: string, template: string): Segment {
  const parts: (LiteralPart | ParameterPart)[] = [];
  let i = 0;
  let literal = '';
  while (i < text.length) {
    const ch = text[i];
    if (ch === '{') {
      if (text[i + 1] === '{') {
        literal += '{';
        i += 2;
        continue;
      }
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '(') {
          depth++;
        } else if (text[j] === ')') {
          depth--;
        } else if (text[j] === '}' && depth === 0) {
          break;
        }
      }
      if (j >= text.length) {
        throw new RouteTemplateError(template, 'unclosed "{"');
      }
      if (literal) {
        parts.push({ kind: 'literal', text: literal });
      }
      literal = '';
      parts.push(parseParameter(text.slice(i + 1, j), template));
      i = j + 1;
    } else if (ch === '}' && text[i + 1] === '}') {
      literal += '}';
      i += 2;
    } else {
      literal += ch;
      i++;
    }
  }
  if (literal) {
    parts.push({ kind: 'literal', text: literal });
  }
  return { parts };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class RouteTemplate {
  readonly template: string;
  private readonly segments: Segment[];
  /** Lower sorts first: ASP.NET-like precedence (literals before parameters before catch-alls). */
  readonly precedence: number[];

  constructor(template: string) {
    this.template = template;
    const trimmed = template.replace(/^\/+|\/+$/g, '');
    this.segments =
      trimmed === '' ? [] : trimmed.split('/').map((segment) => parseSegment(segment, template));
    const names = this.segments.flatMap((s) =>
      s.parts.flatMap((p) => (p.kind === 'parameter' ? [p.name.toLowerCase()] : [])),
    );
    if (new Set(names).size !== names.length) {
      throw new RouteTemplateError(template, 'duplicate parameter name');
    }
    this.segments.forEach((segment, index) => {
      const catchAll = segment.parts.some((p) => p.kind === 'parameter' && p.catchAll);
      if (catchAll && index !== this.segments.length - 1) {
        throw new RouteTemplateError(template, 'a catch-all parameter must be the last segment');
      }
    });
    this.precedence = this.segments.map((segment) => {
      const [only] = segment.parts;
      if (segment.parts.length === 1 && only?.kind === 'literal') {
        return 1;
      }
      if (segment.parts.length > 1) {
        return 2;
      }
      if (only?.kind === 'parameter' && only.catchAll) {
        return 5;
      }
      if (only?.kind === 'parameter' && only.constraints.length > 0) {
        return 3;
      }
      return 4;
    });
  }

  /** Matches a path (without prefix, query or leading slash) and returns the route parameters. */
  match(path: string): Record<string, string> | undefined {
    const raw = path.replace(/^\/+|\/+$/g, '');
    const pathSegments = raw === '' ? [] : raw.split('/');
    const params: Record<string, string> = {};
    for (let index = 0; index < this.segments.length; index++) {
      const segment = this.segments[index] as Segment;
      const value = pathSegments[index];
      const [first] = segment.parts;
      if (segment.parts.length === 1 && first?.kind === 'parameter' && first.catchAll) {
        const rest = pathSegments.slice(index).map(safeDecode);
        if (rest.some((part) => part === undefined)) {
          return undefined;
        }
        const joined = rest.join('/');
        if (joined !== '') {
          if (!first.constraints.every((c) => c(joined))) {
            return undefined;
          }
          params[first.name] = joined;
        } else if (first.defaultValue !== undefined) {
          params[first.name] = first.defaultValue;
        }
        return params;
      }
      if (value === undefined) {
        // Missing trailing segments are fine only if every remaining one is a single optional parameter.
        for (const rest of this.segments.slice(index)) {
          const [only] = rest.parts;
          if (
            rest.parts.length !== 1 ||
            only?.kind !== 'parameter' ||
            !(only.optional || only.defaultValue !== undefined)
          ) {
            return undefined;
          }
          if (only.defaultValue !== undefined) {
            params[only.name] = only.defaultValue;
          }
        }
        return params;
      }
      if (!this.matchSegment(segment, value, params)) {
        return undefined;
      }
    }
    return pathSegments.length === this.segments.length ? params : undefined;
  }

  private matchSegment(segment: Segment, rawValue: string, params: Record<string, string>): boolean {
    const pattern = segment.parts
      .map((part) => (part.kind === 'literal' ? escapeRegExp(part.text) : part.optional ? '(.*?)' : '(.+?)'))
      .join('');
    const match = new RegExp(`^${pattern}$`, 'i').exec(rawValue);
    if (!match) {
      return false;
    }
    let group = 1;
    for (const part of segment.parts) {
      if (part.kind === 'literal') {
        continue;
      }
      const encoded = match[group++] ?? '';
      const value = safeDecode(encoded);
      if (value === undefined) {
        return false;
      }
      if (value === '') {
        if (!part.optional && part.defaultValue === undefined) {
          return false;
        }
        if (part.defaultValue !== undefined) {
          params[part.name] = part.defaultValue;
        }
        continue;
      }
      if (!part.constraints.every((c) => c(value))) {
        return false;
      }
      params[part.name] = value;
    }
    return true;
  }
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Orders templates so the most specific matches first, as ASP.NET routing does. */
export function compareRoutePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  const length = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < length; i++) {
    const left = a.precedence[i] ?? 0;
    const right = b.precedence[i] ?? 0;
    if (left !== right) {
      return left - right;
    }
  }
  return 0;
}
