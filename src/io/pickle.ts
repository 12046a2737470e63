// A small, safe pickle reader: the subset of Python's pickle virtual machine that torch.save
// writes (protocol 2, its default, plus the protocol 4/5 framing opcodes), after
// Lib/pickle.py's _Unpickler. It never runs anything from the file: a GLOBAL is looked up with
// the caller's `findClass`, which returns one of the caller's own JavaScript values (a function
// for REDUCE to call, or a marker) or throws; persistent ids go to the caller's `persistentLoad`.
//
// A memo get (BINGET) returns the very object the memo put holds, as Python shares it: never a
// copy, so a pickle of shared parts costs memory for its distinct objects only.
//
// Python values become:  None -> null, bool -> boolean, int -> number (bigint beyond ±2^53),
// float -> number, str -> string, bytes -> Uint8Array, list -> array, tuple -> frozen array,
// dict -> Map (keys as Python has them: strings, numbers, frozen arrays...). A Python 2 str
// (BINSTRING, in pickles Python 2 wrote, like CIFAR-10's batches) -> Uint8Array, as Python 3 reads
// it with pickle.load(f, encoding='bytes').

/** A pickle stream that cannot be read: the message names the opcode or global. */
export class PickleError extends Error {
  override name = 'PickleError';
}

/** How pickles are read: `findClass` decides what each GLOBAL may stand for (nothing else is constructed), `persistentLoad` resolves storages. */
export interface UnpickleOptions {
  /** GLOBAL module.name -> a value; throw (with a clear message) for anything not allowed. */
  findClass(module: string, name: string): unknown;
  /** BINPERSID: the object a persistent id stands for (torch: storages). */
  persistentLoad?(pid: unknown): unknown;
}

/** Something REDUCE may call: findClass returns these for the globals it allows. */
export type PyCallable = (...args: unknown[]) => unknown;

/** Instance attributes a BUILD gave a dict (OrderedDict's `_metadata` in a state dict). */
export const pyAttributes = new WeakMap<object, unknown>();

const MARK = Symbol('mark');
const maxExact = 2n ** 53n;

const hexDigits = new TextEncoder().encode('0123456789abcdef');

/** Python int from little-endian two's-complement bytes (LONG1 / LONG4). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  // Through one hex string, linear in the length (shifting in a byte at a time is quadratic: minutes for a 1 MB LONG4).
  const hex = new Uint8Array(2 * bytes.length);
  for (let i = 0, j = bytes.length - 1; j >= 0; i += 2, j--) {
    hex[i] = hexDigits[bytes[j] >> 4];
    hex[i + 1] = hexDigits[bytes[j] & 15];
  }
  let v = BigInt(`0x${new TextDecoder().decode(hex)}`);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v >= -maxExact && v <= maxExact ? Number(v) : v;
}

/** More arguments than this in one REDUCE or NEWOBJ is refused (the callables allowed take a few; JavaScript cannot spread ~10^5). */
const maxCallArgs = 256;

const tuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);

/** Run the pickle program in `data`; returns the object STOP leaves on the stack. */
export function unpickle(data: Uint8Array, options: UnpickleOptions): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const need = (n: number, what: string) => {
    if (n < 0 || pos + n > data.length) throw new PickleError(`pickle ends inside ${what} at byte ${pos} (the file is truncated or corrupt)`);
  };
  const u8 = () => (need(1, 'an argument'), data[pos++]);
  const u16 = () => (need(2, 'an argument'), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4, 'an argument'), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4, 'an argument'), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8, 'an argument');
    pos += 8;
    const v = view.getBigUint64(pos - 8, true);
    if (v > BigInt(data.length)) throw new PickleError(`length ${v} at byte ${pos - 8} runs past the end of the pickle`);
    return Number(v);
  };
  const bytes = (n: number, what: string) => (need(n, what), (pos += n), data.subarray(pos - n, pos));
  const text = (n: number) => {
    try {
      return decoder.decode(bytes(n, 'a string'));
    } catch (e) {
      if (e instanceof PickleError) throw e;
      throw new PickleError(`invalid UTF-8 in a string ending at byte ${pos}`);
    }
  };
  /** A newline-terminated ASCII line (GLOBAL's module and name). */
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError(`pickle ends inside a GLOBAL name at byte ${pos}`);
    const s = new TextDecoder().decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) throw new PickleError(`pickle stack underflow at byte ${pos - 1}`);
    const v = stack.pop();
    if (v === MARK) throw new PickleError(`unexpected MARK on the pickle stack at byte ${pos - 1}`);
    return v;
  };
  const top = () => {
    if (stack.length === 0) throw new PickleError(`pickle stack underflow at byte ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const items = stack;
    const prev = metastack.pop();
    if (prev === undefined) throw new PickleError(`no MARK to pop at byte ${pos - 1}`);
    stack = prev;
    return items;
  };
  const get = (i: number) => {
    if (!memo.has(i)) throw new PickleError(`memo entry ${i} read before it was written (byte ${pos})`);
    return memo.get(i);
  };
  const setItems = (dict: unknown, items: unknown[]) => {
    if (!(dict instanceof Map)) throw new PickleError(`SETITEM(S) on a ${typeName(dict)}, not a dict (byte ${pos - 1})`);
    if (items.length % 2 !== 0) throw new PickleError(`SETITEMS with an odd number of items (byte ${pos - 1})`);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const append = (list: unknown, items: unknown[]) => {
    if (!Array.isArray(list) || Object.isFrozen(list)) throw new PickleError(`APPEND(S) on a ${typeName(list)}, not a list (byte ${pos - 1})`);
    for (const item of items) list.push(item); // (a spread of 10^5 items overflows the stack)
  };
  const call = (fn: unknown, args: unknown, what: string) => {
    if (typeof fn !== 'function') throw new PickleError(`${what} on ${typeName(fn)}, which is not callable (byte ${pos - 1})`);
    if (!Array.isArray(args)) throw new PickleError(`${what} arguments must be a tuple, got ${typeName(args)} (byte ${pos - 1})`);
    if (args.length > maxCallArgs) throw new PickleError(`${what} with ${args.length} arguments, more than the ${maxCallArgs} dlab passes (byte ${pos - 1})`);
    return (fn as PyCallable)(...args);
  };

  for (;;) {
    need(1, 'an opcode');
    const at = pos;
    const op = data[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const proto = u8();
        if (proto > 5) throw new PickleError(`unsupported pickle protocol ${proto}`);
        break;
      }
      case 0x95: // FRAME: a length prefix for buffering; nothing to do when reading from memory
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length > 0) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(bytes(u8(), 'a LONG1')));
        break;
      case 0x8b: { // LONG4
        const n = i32();
        stack.push(decodeLong(bytes(n, 'a LONG4')));
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8, 'a BINFLOAT');
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x55: // SHORT_BINSTRING: a Python 2 str, as bytes (pickle.load(f, encoding='bytes'))
        stack.push(bytes(u8(), 'a string').slice());
        break;
      case 0x54: // BINSTRING (Python 2 str; a negative length is refused by `need`)
        stack.push(bytes(i32(), 'a string').slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8(), 'a bytes object').slice());
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32(), 'a bytes object').slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(bytes(u64(), 'a bytes object').slice());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x74: { // TUPLE
        const items = popMark(); // (before naming `stack`: popMark replaces it)
        stack.push(tuple(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(tuple([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(tuple([pop(), b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: { // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: { // DICT
        const d = new Map();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(get(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(get(u32()));
        break;
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(options.findClass(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError(`STACK_GLOBAL needs two strings (byte ${at})`);
        stack.push(options.findClass(module, name));
        break;
      }
      case 0x52: { // REDUCE: callable(*args)
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args, 'REDUCE'));
        break;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args); allowed classes are callables here
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args, 'NEWOBJ'));
        break;
      }
      case 0x62: { // BUILD: obj.__setstate__(state)
        const state = pop();
        const obj = top();
        const setState = (obj as { __setstate__?: unknown } | null)?.__setstate__;
        if (typeof setState === 'function') (setState as (s: unknown) => void).call(obj, state);
        else if (obj instanceof Map) pyAttributes.set(obj, state);
        else throw new PickleError(`BUILD on a ${typeName(obj)}, which takes no state (byte ${at})`);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) throw new PickleError(`a persistent id at byte ${at}, but no persistentLoad was given`);
        stack.push(options.persistentLoad(pid));
        break;
      }
      default:
        throw new PickleError(
          `unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}') at byte ${at}; ` +
            'dlab reads the opcodes torch.save writes (protocols 2 to 5) and Python 2 byte strings',
        );
    }
  }
}

/** A short description of a value for error messages. */
export function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'tuple' : 'list';
  if (v instanceof Map) return 'dict';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/** One container being written by `pyRepr`: its next [separator, value] pair, or undefined at its end. */
interface ReprFrame {
  next(): [string, unknown] | undefined;
  close: string;
}

/**
 * A value as Python's repr writes it ((1, 'a'), [None, True], {'k': 2}), cut at `maxLength`
 * characters with '…'. Iterative and lazy, so a value nested past the stack, one that contains
 * itself, or one of shared parts that would print astronomically long costs at most ~maxLength steps.
 */
export function pyRepr(value: unknown, maxLength = 200): string {
  let out = '';
  const frames: ReprFrame[] = [];
  let pending: [string, unknown] | undefined = ['', value];
  while (out.length <= maxLength) {
    if (pending === undefined) {
      const frame = frames.at(-1);
      if (frame === undefined) return out;
      pending = frame.next();
      if (pending === undefined) {
        out += frame.close;
        frames.pop();
      }
      continue;
    }
    const [separator, v] = pending;
    pending = undefined;
    out += separator;
    if (Array.isArray(v)) {
      const isTuple = Object.isFrozen(v);
      let i = 0;
      out += isTuple ? '(' : '[';
      frames.push({
        next: () => (i < v.length ? [i === 0 ? '' : ', ', v[i++]] : undefined),
        close: isTuple ? (v.length === 1 ? ',)' : ')') : ']',
      });
    } else if (v instanceof Map) {
      const entries = v.entries();
      let first = true;
      let value: [string, unknown] | undefined; // an entry's value, due after its key
      out += '{';
      frames.push({
        next: () => {
          const due = value;
          if (due !== undefined) {
            value = undefined;
            return due;
          }
          const e = entries.next();
          if (e.done) return undefined;
          value = [': ', e.value[1]];
          const key: [string, unknown] = [first ? '' : ', ', e.value[0]];
          first = false;
          return key;
        },
        close: '}',
      });
    } else if (typeof v === 'string') {
      out += `'${v.slice(0, maxLength).replace(/[\\']/g, '\\$&')}${v.length > maxLength ? '…' : ''}'`;
    } else if (v === null || typeof v === 'boolean') {
      out += v === null ? 'None' : v ? 'True' : 'False';
    } else if (typeof v === 'number') {
      out += Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
    } else if (typeof v === 'bigint') {
      out += String(v);
    } else {
      out += `<${typeName(v)}>`;
    }
  }
  return `${out.slice(0, maxLength)}…`;
}
