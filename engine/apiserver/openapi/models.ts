/**
 * Reads the generated model classes shipped by @kubernetes/client-node (dist/gen/models): the
 * `attributeTypeMap` of each *.js (JSON names, TS types, formats) and the JSDoc of each *.d.ts
 * (descriptions, optional marks). The files are parsed as text — importing 850 modules would be
 * slower and would not give us the descriptions. Nothing here runs at import time.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface RawAttr {
  /** TS property name ('_default', 'x_kubernetes_validations'). */
  name: string;
  /** JSON name ('default', 'x-kubernetes-validations'). */
  baseName: string;
  /** 'string', 'number', 'Array<V1Container>', '{ [key: string]: string; }', 'IntOrString', 'Date', 'any'… */
  type: string;
  format: string;
}

export interface PropDoc {
  description?: string;
  optional: boolean;
  /** The TS type written in the .d.ts (tells V1MicroTime apart from Date). */
  tsType: string;
}

export interface ClassDoc {
  description?: string;
  props: Map<string, PropDoc>;
}

/** One API class of client-node (`AppsV1Api`): its prefix ('Apps') and version ('V1'). */
export interface ApiClass {
  prefix: string;
  version: string;
  /** Model classes it lists or creates under their own name, i.e. its top-level kinds. */
  kinds: string[];
}

function clientNodeGenDir(): string {
  // Resolve through the package entry point so hoisting / workspaces do not matter.
  const req = createRequire(import.meta.url);
  const main = req.resolve('@kubernetes/client-node');
  return join(dirname(main), 'gen');
}

/** Undo the generator's escaping and restore paragraph breaks it flattened to two spaces. */
export function cleanDescription(raw: string): string | undefined {
  let s = raw
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, ''))
    .join('\n')
    .trim();
  s = s.replace(/\\(["'\\])/g, '$1');
  s = s.replace(/([.:)"'])  (?=\S)/g, '$1\n\n');
  return s || undefined;
}

export class ModelSource {
  private readonly modelsDir: string;
  private readonly apisDir: string;
  private attrMap?: Map<string, RawAttr[]>;
  private readonly docs = new Map<string, ClassDoc>();
  private apiList?: ApiClass[];

  constructor(genDir: string = clientNodeGenDir()) {
    this.modelsDir = join(genDir, 'models');
    this.apisDir = join(genDir, 'apis');
  }

  /** attributeTypeMap of every model class, keyed by class name. */
  all(): Map<string, RawAttr[]> {
    if (this.attrMap) return this.attrMap;
    const out = new Map<string, RawAttr[]>();
    for (const f of readdirSync(this.modelsDir)) {
      if (!f.endsWith('.js') || f === 'ObjectSerializer.js' || f === 'all.js') continue;
      const text = readFileSync(join(this.modelsDir, f), 'utf8');
      const m = /\.attributeTypeMap = (\[[\s\S]*?\]);/.exec(text);
      if (!m) continue;
      out.set(f.slice(0, -3), JSON.parse(m[1]) as RawAttr[]);
    }
    this.attrMap = out;
    return out;
  }

  attrs(cls: string): RawAttr[] | undefined {
    return this.all().get(cls);
  }

  /** Descriptions and optionality from the class's .d.ts (parsed on first use, then cached). */
  doc(cls: string): ClassDoc {
    const hit = this.docs.get(cls);
    if (hit) return hit;
    const doc: ClassDoc = { props: new Map() };
    let text = '';
    try {
      text = readFileSync(join(this.modelsDir, `${cls}.d.ts`), 'utf8');
    } catch {
      this.docs.set(cls, doc);
      return doc;
    }
    const classAt = text.indexOf(`export declare class ${cls} `);
    if (classAt >= 0) {
      const before = text.slice(0, classAt);
      const m = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*$/.exec(before);
      if (m && !m[1].includes('Do not edit the class manually')) doc.description = cleanDescription(m[1]);
      const body = text.slice(classAt);
      // Each property: optional JSDoc, then `'name'?: type;` (the type may span lines for maps).
      const re = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?'([^']+)'(\?)?: (\{[^}]*\}|[^;{]+);/g;
      for (const p of body.matchAll(re)) {
        doc.props.set(p[2], {
          description: p[1] === undefined ? undefined : cleanDescription(p[1]),
          optional: p[3] === '?',
          tsType: p[4].replace(/\s+/g, ' ').trim(),
        });
      }
    }
    this.docs.set(cls, doc);
    return doc;
  }

  /**
   * The API classes (`AppsV1Api.d.ts` …) and the model classes each one lists or creates under
   * the same name: those are the group's top-level kinds, our anchor for naming nested types.
   */
  apis(): ApiClass[] {
    if (this.apiList) return this.apiList;
    const models = this.all();
    const out: ApiClass[] = [];
    for (const f of readdirSync(this.apisDir)) {
      const m = /^([A-Za-z]+?)(V\d+(?:alpha\d+|beta\d+)?)Api\.d\.ts$/.exec(f);
      if (!m) continue;
      const text = readFileSync(join(this.apisDir, f), 'utf8');
      const kinds = new Set<string>();
      const re = /(list|create)(?:Namespaced)?(\w+?)WithHttpInfo\(response: ResponseContext\): Promise<HttpInfo<(\w+)>>/g;
      for (const x of text.matchAll(re)) {
        let cls = x[3];
        if (x[1] === 'list') {
          if (!cls.endsWith('List')) continue;
          cls = cls.slice(0, -4);
        }
        // createNamespacedPodEviction returns V1Eviction: a subresource, not a kind of this API.
        if (cls.replace(/^([A-Z][a-z]+)?V\d+(?:alpha\d+|beta\d+)?/, '') !== x[2]) continue;
        if (!models.has(cls)) continue;
        kinds.add(cls);
        if (models.has(`${cls}List`)) kinds.add(`${cls}List`);
      }
      out.push({ prefix: m[1], version: m[2], kinds: [...kinds] });
    }
    this.apiList = out;
    return out;
  }
}

/** Model classes named in a client-node type string ('Array<V1Container>' → ['V1Container']). */
export function classRefs(type: string, known: Map<string, unknown>): string[] {
  const out: string[] = [];
  for (const m of type.matchAll(/[A-Za-z][A-Za-z0-9]*/g)) if (known.has(m[0])) out.push(m[0]);
  return out;
}
