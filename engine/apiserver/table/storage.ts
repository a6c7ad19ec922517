// Storage: PersistentVolume, PersistentVolumeClaim, StorageClass,
// VolumeAttachment, CSIDriver, CSINode, CSIStorageCapacity and
// VolumeAttributesClass.

import { since } from './duration.js';
import { DOC } from './descriptions.js';
import { ageColumn, column, dict, hasTrueAnnotation, list, meta, nameColumn, text, view } from './format.js';
import { formatQuantity } from './quantity.js';
import type { Printer } from './types.js';

/** helper.GetAccessModesAsString: de-duplicated, always in RWO,ROX,RWX,RWOP order. */
export function accessModes(modes: string[] | undefined): string {
  const set = new Set(list(modes));
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

// Unset fields read as their v1 defaults (a real apiserver stores them defaulted).
const volumeMode = (v: unknown): string => (typeof v === 'string' ? v : 'Filesystem');
const phaseOf = (obj: Record<string, unknown>, phase: unknown): string =>
  meta(obj).deletionTimestamp ? 'Terminating' : text(phase) || 'Pending';

/** The deprecated beta annotation still wins over spec.storageClassName. */
const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

function storageClassOf(obj: Record<string, unknown>, specClass: unknown): string {
  const ann = dict(meta(obj).annotations);
  if (BETA_STORAGE_CLASS in ann) return text(ann[BETA_STORAGE_CLASS]);
  return text(specClass);
}

// ---- PersistentVolume ---------------------------------------------------------------

interface PersistentVolume {
  spec?: {
    capacity?: Record<string, unknown>;
    accessModes?: string[];
    persistentVolumeReclaimPolicy?: string;
    claimRef?: { namespace?: string; name?: string };
    storageClassName?: string;
    volumeAttributesClassName?: string;
    volumeMode?: string;
  };
  status?: { phase?: string; reason?: string };
}

export const persistentVolumePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Capacity', 'string', DOC['PersistentVolumeSpec.capacity']),
    column('Access Modes', 'string', DOC['PersistentVolumeSpec.accessModes']),
    column('Reclaim Policy', 'string', DOC['PersistentVolumeSpec.persistentVolumeReclaimPolicy']),
    column('Status', 'string', DOC['PersistentVolumeStatus.phase']),
    column('Claim', 'string', DOC['PersistentVolumeSpec.claimRef']),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', DOC['PersistentVolumeStatus.reason']),
    ageColumn(),
    column('VolumeMode', 'string', DOC['PersistentVolumeSpec.volumeMode'], { priority: 1 }),
  ],
  cells(obj, ctx) {
    const pv = view<PersistentVolume>(obj);
    const spec = pv.spec ?? {};
    const claim = spec.claimRef ? `${text(spec.claimRef.namespace)}/${text(spec.claimRef.name)}` : '';
    return [
      text(meta(obj).name),
      formatQuantity(dict(spec.capacity)['storage']),
      accessModes(spec.accessModes),
      text(spec.persistentVolumeReclaimPolicy) || 'Retain',
      phaseOf(obj, pv.status?.phase),
      claim,
      storageClassOf(obj, spec.storageClassName),
      typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
      text(pv.status?.reason),
      since(meta(obj).creationTimestamp, ctx.now),
      volumeMode(spec.volumeMode),
    ];
  },
};

// ---- PersistentVolumeClaim ------------------------------------------------------------------

interface PersistentVolumeClaim {
  spec?: { volumeName?: string; storageClassName?: string; volumeAttributesClassName?: string; volumeMode?: string };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, unknown> };
}

export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', DOC['PersistentVolumeClaimStatus.phase']),
    column('Volume', 'string', DOC['PersistentVolumeClaimSpec.volumeName']),
    column('Capacity', 'string', DOC['PersistentVolumeClaimStatus.capacity']),
    column('Access Modes', 'string', DOC['PersistentVolumeClaimStatus.accessModes']),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn(),
    column('VolumeMode', 'string', DOC['PersistentVolumeClaimSpec.volumeMode'], { priority: 1 }),
  ],
  cells(obj, ctx) {
    const pvc = view<PersistentVolumeClaim>(obj);
    const spec = pvc.spec ?? {};
    // Capacity and modes are only meaningful once bound to a volume.
    const bound = text(spec.volumeName) !== '';
    return [
      text(meta(obj).name),
      phaseOf(obj, pvc.status?.phase),
      text(spec.volumeName),
      bound ? formatQuantity(dict(pvc.status?.capacity)['storage']) : '',
      bound ? accessModes(pvc.status?.accessModes) : '',
      storageClassOf(obj, spec.storageClassName),
      typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
      since(meta(obj).creationTimestamp, ctx.now),
      volumeMode(spec.volumeMode),
    ];
  },
};

// ---- StorageClass ------------------------------------------------------------------------------

interface StorageClass {
  provisioner?: string;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  allowVolumeExpansion?: boolean;
}

export const storageClassPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Provisioner', 'string', DOC['StorageClass.provisioner']),
    column('ReclaimPolicy', 'string', DOC['StorageClass.reclaimPolicy']),
    column('VolumeBindingMode', 'string', DOC['StorageClass.volumeBindingMode']),
    column('AllowVolumeExpansion', 'string', DOC['StorageClass.allowVolumeExpansion']),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const sc = view<StorageClass>(obj);
    let scName = text(meta(obj).name);
    if (
      hasTrueAnnotation(obj, 'storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class')
    ) {
      scName += ' (default)';
    }
    return [
      scName,
      text(sc.provisioner),
      text(sc.reclaimPolicy) || 'Delete',
      text(sc.volumeBindingMode) || 'Immediate',
      sc.allowVolumeExpansion === true,
      since(meta(obj).creationTimestamp, ctx.now),
    ];
  },
};

// ---- VolumeAttachment ------------------------------------------------------------------------------

interface VolumeAttachment {
  spec?: { attacher?: string; nodeName?: string; source?: { persistentVolumeName?: string } };
  status?: { attached?: boolean };
}

export const volumeAttachmentPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Attacher', 'string', DOC['VolumeAttachmentSpec.attacher'], { format: 'name' }),
    column('PV', 'string', DOC['VolumeAttachmentSource.persistentVolumeName']),
    column('Node', 'string', DOC['VolumeAttachmentSpec.nodeName']),
    column('Attached', 'boolean', DOC['VolumeAttachmentStatus.attached']),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const va = view<VolumeAttachment>(obj);
    return [
      text(meta(obj).name),
      text(va.spec?.attacher),
      text(va.spec?.source?.persistentVolumeName),
      text(va.spec?.nodeName),
      va.status?.attached === true,
      since(meta(obj).creationTimestamp, ctx.now),
    ];
  },
};

// ---- CSIDriver / CSINode / CSIStorageCapacity ---------------------------------------------------------

interface CSIDriver {
  spec?: {
    attachRequired?: boolean;
    podInfoOnMount?: boolean;
    storageCapacity?: boolean;
    tokenRequests?: { audience?: string }[];
    requiresRepublish?: boolean;
    volumeLifecycleModes?: string[];
  };
}

export const csiDriverPrinter: Printer = {
  columns: [
    nameColumn(),
    column('AttachRequired', 'boolean', DOC['CSIDriverSpec.attachRequired']),
    column('PodInfoOnMount', 'boolean', DOC['CSIDriverSpec.podInfoOnMount']),
    column('StorageCapacity', 'boolean', DOC['CSIDriverSpec.storageCapacity']),
    column('TokenRequests', 'string', DOC['CSIDriverSpec.tokenRequests']),
    column('RequiresRepublish', 'boolean', DOC['CSIDriverSpec.requiresRepublish']),
    column('Modes', 'string', DOC['CSIDriverSpec.volumeLifecycleModes']),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const spec = view<CSIDriver>(obj).spec ?? {};
    const modes = list(spec.volumeLifecycleModes).map(text).join(',');
    const tokenRequests = Array.isArray(spec.tokenRequests)
      ? spec.tokenRequests.map((t) => text(t.audience)).join(',')
      : '<unset>';
    return [
      text(meta(obj).name),
      spec.attachRequired !== false, // defaults to true
      spec.podInfoOnMount === true,
      spec.storageCapacity === true,
      tokenRequests,
      spec.requiresRepublish === true,
      modes || '<none>',
      since(meta(obj).creationTimestamp, ctx.now),
    ];
  },
};

export const csiNodePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node'),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const drivers = list(view<{ spec?: { drivers?: unknown[] } }>(obj).spec?.drivers);
    return [text(meta(obj).name), drivers.length, since(meta(obj).creationTimestamp, ctx.now)];
  },
};

export const csiStorageCapacityPrinter: Printer = {
  columns: [
    nameColumn(),
    column('StorageClassName', 'string', DOC['CSIStorageCapacity.storageClassName']),
    column('Capacity', 'string', DOC['CSIStorageCapacity.capacity']),
  ],
  cells(obj) {
    const c = view<{ storageClassName?: string; capacity?: unknown }>(obj);
    const capacity = c.capacity === undefined || c.capacity === null ? '<unset>' : formatQuantity(c.capacity);
    return [text(meta(obj).name), text(c.storageClassName), capacity];
  },
};

export const volumeAttributesClassPrinter: Printer = {
  columns: [nameColumn(), column('DriverName', 'string', DOC['VolumeAttributesClass.driverName']), ageColumn()],
  cells(obj, ctx) {
    const driver = view<{ driverName?: string }>(obj).driverName;
    return [text(meta(obj).name), text(driver), since(meta(obj).creationTimestamp, ctx.now)];
  },
};
