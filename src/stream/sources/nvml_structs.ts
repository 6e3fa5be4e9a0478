/**
 * The NVML structs gputel decodes, as `nvml.h` lays them out (x86-64 and
 * aarch64 Linux, LP64), and the decoders of their fields: C strings and
 * `nvmlFieldValue_t` values. `nvml_ffi.ts` passes these buffers to NVML.
 *
 * @module
 */

/** `nvmlPciInfo_t`: char busIdLegacy[16]; u32 domain, bus, device, pciDeviceId, pciSubSystemId; char busId[32]. */
export const PCI_INFO_BYTES = 68;
/** Offset of `busId` in `nvmlPciInfo_t`. */
export const PCI_BUS_ID_OFFSET = 36;
/** `nvmlFieldValue_t`: u32 fieldId, scopeId; i64 timestamp, latencyUsec; u32 valueType, nvmlReturn; 8-byte value. */
export const FIELD_VALUE_BYTES = 40;
/** `NVML_FI_DEV_MEMORY_TEMP`. */
export const FI_DEV_MEMORY_TEMP = 82;
/** Room for a name, UUID or version string with its NUL. */
export const NAME_BYTES = 96;
const decoder = new TextDecoder();

/** A NUL-terminated C string in `bytes`, decoded as UTF-8 (all of `bytes` without a NUL). */
export function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/**
 * The value of an `nvmlFieldValue_t` held in `view`, read as its
 * `nvmlValueType_t` says: 0 double, 1 uint, 2 ulong, 3 ulonglong,
 * 4 slonglong, 5 sint.
 */
export function fieldValue(view: DataView, type: number): number {
  switch (type) {
    case 0:
      return view.getFloat64(32, true);
    case 1:
      return view.getUint32(32, true);
    case 4:
      return Number(view.getBigInt64(32, true));
    case 5:
      return view.getInt32(32, true);
    default:
      return Number(view.getBigUint64(32, true));
  }
}
