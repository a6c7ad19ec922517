// Events. events.k8s.io/v1 Events share core Events' storage upstream and so
// print through the same printEvent; their renamed fields are mapped back first.

import { since } from './duration.js';
import { DOC } from './descriptions.js';
import { column, int, meta, text, view, type Json } from './format.js';
import type { Printer } from './types.js';

interface EventSource {
  component?: string;
  host?: string;
}

interface ObjectReference {
  kind?: string;
  name?: string;
  fieldPath?: string;
}

interface Series {
  count?: number;
  lastObservedTime?: string;
}

/** The core/v1 field names. */
interface CoreEvent {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: ObjectReference;
  source?: EventSource;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
  series?: Series;
  /** JSON name of ReportingController. */
  reportingComponent?: string;
  reportingInstance?: string;
}

/** The events.k8s.io/v1 field names. */
interface NewEvent {
  type?: string;
  reason?: string;
  note?: string;
  regarding?: ObjectReference;
  deprecatedSource?: EventSource;
  deprecatedFirstTimestamp?: string;
  deprecatedLastTimestamp?: string;
  deprecatedCount?: number;
  eventTime?: string;
  series?: Series;
  reportingController?: string;
  reportingInstance?: string;
}

/** The events.k8s.io/v1 -> internal conversion, as far as printing needs it. */
function fromEventsAPI(obj: Json): CoreEvent {
  const e = view<NewEvent>(obj);
  return {
    type: e.type,
    reason: e.reason,
    message: e.note,
    involvedObject: e.regarding,
    source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    eventTime: e.eventTime,
    count: e.deprecatedCount,
    series: e.series,
    reportingComponent: e.reportingController,
    reportingInstance: e.reportingInstance,
  };
}

/** formatEventSource: "component, host", falling back to the reporting controller/instance. */
function eventSource(src: EventSource | undefined, controller: string, instance: string): string {
  const component = text(src?.component) || controller;
  const host = text(src?.host) || instance;
  return host === '' ? component : `${component}, ${host}`;
}

function eventCells(obj: Json, e: CoreEvent, now: Date): (string | number)[] {
  const hasFirst = text(e.firstTimestamp) !== '';
  const first = hasFirst ? since(e.firstTimestamp, now) : since(e.eventTime, now);
  let last = text(e.lastTimestamp) !== '' ? since(e.lastTimestamp, now) : first;
  let count = int(e.count);
  if (e.series && typeof e.series === 'object') {
    last = since(e.series.lastObservedTime, now);
    count = int(e.series.count);
  } else if (count === 0) {
    // Singleton events don't set a count in the new API.
    count = 1;
  }
  const ref = e.involvedObject ?? {};
  const kind = text(ref.kind).toLowerCase();
  const target = text(ref.name) !== '' ? `${kind}/${text(ref.name)}` : kind;
  return [
    last,
    text(e.type),
    text(e.reason),
    target,
    text(ref.fieldPath),
    eventSource(e.source, text(e.reportingComponent), text(e.reportingInstance)),
    text(e.message).trim(),
    first,
    count,
    text(meta(obj).name),
  ];
}

const eventColumns = () => [
  column('Last Seen', 'string', DOC['Event.lastTimestamp']),
  column('Type', 'string', DOC['Event.type']),
  column('Reason', 'string', DOC['Event.reason']),
  column('Object', 'string', DOC['Event.involvedObject']),
  column('Subobject', 'string', DOC['ObjectReference.fieldPath'], { priority: 1 }),
  column('Source', 'string', DOC['Event.source'], { priority: 1 }),
  column('Message', 'string', DOC['Event.message']),
  column('First Seen', 'string', DOC['Event.firstTimestamp'], { priority: 1 }),
  column('Count', 'string', DOC['Event.count'], { priority: 1 }),
  column('Name', 'string', DOC['ObjectMeta.name'], { priority: 1, format: 'name' }),
];

export const eventPrinter: Printer = {
  columns: eventColumns(),
  cells: (obj, ctx) => eventCells(obj, view<CoreEvent>(obj), ctx.now),
};

export const eventsAPIEventPrinter: Printer = {
  columns: eventColumns(),
  cells: (obj, ctx) => eventCells(obj, fromEventsAPI(obj), ctx.now),
};
