// Wire shapes of meta.k8s.io/v1 Table and the printer contract shared by the
// per-area printer files.

/** One column header. Every field is always serialized (upstream has no omitempty here). */
export interface ColumnDefinition {
  name: string;
  /** OpenAPI type: string, integer, number, boolean, date. */
  type: string;
  /** OpenAPI format hint: "name" marks the object-name column; usually "". */
  format: string;
  description: string;
  /** 0 = always shown; 1 = only with `-o wide`. */
  priority: number;
}

export type Cell = string | number | boolean | null;

/** metav1.TableRowCondition; pods in a terminal phase carry one "Completed" condition. */
export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: Cell[];
  conditions?: TableRowCondition[];
  object?: Record<string, unknown>;
}

export interface TableMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: TableMeta;
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
}

export interface TableOptions {
  /** What each row carries in `object`: None omits it, Metadata (default) a PartialObjectMetadata, Object the full object. */
  includeObject?: 'None' | 'Metadata' | 'Object';
  /** Injectable clock for ages and durations; defaults to the current time. */
  now?: Date;
  /** List metadata to copy onto the table. Without it a single object's resourceVersion is used. */
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** What a printer sees besides the object. */
export interface PrintContext {
  now: Date;
}

/** A printer is one kind's columns plus how to fill them for one object. Like the
 * apiserver (which always prints with Wide: true), cells cover every column,
 * priority-1 ones included; the client hides those unless `-o wide`. */
export interface Printer {
  columns: ColumnDefinition[];
  cells(obj: Record<string, unknown>, ctx: PrintContext): Cell[];
  conditions?(obj: Record<string, unknown>): TableRowCondition[] | undefined;
}
