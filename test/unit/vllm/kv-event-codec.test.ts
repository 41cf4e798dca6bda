import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import type { KvEventBatch } from '../../../shared/engine/types.js';
import { KvEventDecodeError, KvEventLayout, decodeKvEventBatch, encodeKvEventBatch } from '../../../shared/engine/vllm/index.js';

// Payloads built the way msgspec writes them: ints that need 64 bits as int64/uint64 (bigint here).
const packr = new Packr({ useRecords: false });
const pack = (value: unknown): Buffer => packr.pack(value);
const U64_MAX = 2n ** 64n - 1n;
const BEYOND_2_53 = 2n ** 53n + 1n;

describe('kv-event-codec decode', () => {
  const rows: Array<{ name: string; payload: Buffer; expected: KvEventBatch }> = [
    {
      // vLLM 0.9-0.10 positional layout: 7 elements (lora_id, medium), dp rank present.
      name: 'legacy array BlockStored with medium',
      payload: pack([1700000000.5, [['BlockStored', [11n, 12n], 10n, [1, 2, 3, 4], 2, null, 'GPU']], 0]),
      expected: {
        ts: 1700000000.5,
        events: [
          {
            type: 'BlockStored',
            blockHashes: ['11', '12'],
            parentBlockHash: '10',
            tokenIds: [1, 2, 3, 4],
            blockSize: 2,
            loraId: null,
            medium: 'GPU',
          },
        ],
        dataParallelRank: 0,
      },
    },
    {
      // The first release (#16750) had no medium: 6 elements; the missing medium reads as null.
      name: 'oldest array BlockStored without medium, no dp rank (omit_defaults)',
      payload: pack([5, [['BlockStored', [7], null, [9, 9], 2, 3]]]),
      expected: {
        ts: 5,
        events: [
          { type: 'BlockStored', blockHashes: ['7'], parentBlockHash: null, tokenIds: [9, 9], blockSize: 2, loraId: 3, medium: null },
        ],
        dataParallelRank: null,
      },
    },
    {
      // Newer trailing fields (lora_name, extra_keys, group_idx, spec kind/window) are ignored.
      name: 'array BlockStored with newer trailing fields',
      payload: pack([1.25, [['BlockStored', [1n], null, [5], 1, null, 'GPU', 'adapter-a', [null], 0, 'full_attention', null]], 1]),
      expected: {
        ts: 1.25,
        events: [
          { type: 'BlockStored', blockHashes: ['1'], parentBlockHash: null, tokenIds: [5], blockSize: 1, loraId: null, medium: 'GPU' },
        ],
        dataParallelRank: 1,
      },
    },
    {
      // uint64 hashes (sha256_cbor_64bit, builtin) beyond 2^53 must keep every digit.
      name: 'uint64 hashes beyond 2^53 and the uint64 maximum',
      payload: pack([2, [['BlockRemoved', [BEYOND_2_53, U64_MAX], 'GPU']]]),
      expected: {
        ts: 2,
        events: [{ type: 'BlockRemoved', blockHashes: ['9007199254740993', '18446744073709551615'], medium: 'GPU' }],
        dataParallelRank: null,
      },
    },
    {
      // Python's builtin hash() is signed.
      name: 'negative int hash and a small positive-fixint hash',
      payload: pack([2, [['BlockRemoved', [-5n, 3], null]]]),
      expected: { ts: 2, events: [{ type: 'BlockRemoved', blockHashes: ['-5', '3'], medium: null }], dataParallelRank: null },
    },
    {
      // sha256 with int conversion off: 32-byte bin hashes become 'x'+hex.
      name: 'bytes hashes',
      payload: pack([3, [['BlockStored', [Buffer.from('abcd', 'hex')], Buffer.from('00ff', 'hex'), [1], 1, null, null]]]),
      expected: {
        ts: 3,
        events: [
          {
            type: 'BlockStored',
            blockHashes: ['xabcd'],
            parentBlockHash: 'x00ff',
            tokenIds: [1],
            blockSize: 1,
            loraId: null,
            medium: null,
          },
        ],
        dataParallelRank: null,
      },
    },
    {
      // vLLM's OffloadingConnector: the host-memory tier's stores (tokenless) and removals, medium CPU.
      name: 'CPU-tier events of the offloading connector keep their medium',
      payload: pack([
        5,
        [
          ['BlockStored', [31n], null, [], 16, null, 'CPU'],
          ['BlockRemoved', [31n], 'CPU'],
        ],
        null,
      ]),
      expected: {
        ts: 5,
        events: [
          { type: 'BlockStored', blockHashes: ['31'], parentBlockHash: null, tokenIds: [], blockSize: 16, loraId: null, medium: 'CPU' },
          { type: 'BlockRemoved', blockHashes: ['31'], medium: 'CPU' },
        ],
        dataParallelRank: null,
      },
    },
    {
      // vllm-project/vllm#42892: events are tagged maps inside an array batch.
      name: 'map events in an array batch',
      payload: pack([
        4,
        [
          {
            type: 'BlockStored',
            block_hashes: [21n],
            parent_block_hash: null,
            token_ids: [1, 2],
            block_size: 2,
            lora_id: null,
            medium: 'GPU',
            lora_name: null,
            group_idx: 0,
          },
          { type: 'BlockRemoved', block_hashes: [21n], medium: 'GPU' },
          { type: 'AllBlocksCleared' },
        ],
        0,
      ]),
      expected: {
        ts: 4,
        events: [
          { type: 'BlockStored', blockHashes: ['21'], parentBlockHash: null, tokenIds: [1, 2], blockSize: 2, loraId: null, medium: 'GPU' },
          { type: 'BlockRemoved', blockHashes: ['21'], medium: 'GPU' },
          { type: 'AllBlocksCleared' },
        ],
        dataParallelRank: 0,
      },
    },
    {
      // The newest EventBatch without array_like: a map; optional event fields may be omitted entirely.
      name: 'map batch with omitted optional fields',
      payload: pack({ ts: 6.5, events: [{ type: 'BlockStored', block_hashes: [1], token_ids: [4], block_size: 1 }, ['AllBlocksCleared']] }),
      expected: {
        ts: 6.5,
        events: [
          { type: 'BlockStored', blockHashes: ['1'], parentBlockHash: null, tokenIds: [4], blockSize: 1, loraId: null, medium: null },
          { type: 'AllBlocksCleared' },
        ],
        dataParallelRank: null,
      },
    },
  ];
  for (const row of rows) {
    it(row.name, () => assert.deepEqual(decodeKvEventBatch(row.payload), row.expected));
  }

  it('skips an unknown event type and reports its tag', () => {
    const unknown: string[] = [];
    const batch = decodeKvEventBatch(pack([1, [['BlockPinned', [1]], ['AllBlocksCleared']]]), {
      onUnknownEvent: (tag) => unknown.push(tag),
    });
    assert.deepEqual(batch.events, [{ type: 'AllBlocksCleared' }]);
    assert.deepEqual(unknown, ['BlockPinned']);
  });
});

describe('kv-event-codec malformed input', () => {
  const rows: Array<{ name: string; payload: Buffer; path: RegExp }> = [
    { name: 'not msgpack (truncated array)', payload: Buffer.from([0x93, 0x01]), path: /not valid msgpack/ },
    { name: 'trailing bytes after the batch', payload: Buffer.concat([pack([1, []]), Buffer.from([1])]), path: /not valid msgpack/ },
    { name: 'batch is a string', payload: pack('hello'), path: /^batch/ },
    { name: 'batch has 4 elements', payload: pack([1, [], 0, 9]), path: /^batch/ },
    { name: 'events not an array', payload: pack([1, {}]), path: /^events/ },
    { name: 'ts is a string', payload: pack(['x', []]), path: /^ts/ },
    { name: 'event tag not a string', payload: pack([1, [[7, [1]]]]), path: /events\[0\]\[0\]/ },
    { name: 'BlockStored too short', payload: pack([1, [['BlockStored', [1], null, [1]]]]), path: /events\[0\]: BlockStored needs/ },
    { name: 'float hash', payload: pack([1, [['BlockRemoved', [1.5], null]]]), path: /block_hashes\[0\]/ },
    { name: 'string hash', payload: pack([1, [['BlockRemoved', ['abc'], null]]]), path: /block_hashes\[0\]/ },
    { name: 'block_size 0', payload: pack([1, [['BlockStored', [1], null, [], 0, null, null]]]), path: /block_size/ },
    { name: 'negative token id', payload: pack([1, [['BlockStored', [1], null, [-1], 1, null, null]]]), path: /token_ids\[0\]/ },
    { name: 'medium is a number', payload: pack([1, [['BlockRemoved', [1], 5]]]), path: /medium/ },
    { name: 'map event without block_hashes', payload: pack([1, [{ type: 'BlockRemoved' }]]), path: /block_hashes/ },
    { name: 'map event without type', payload: pack([1, [{ block_hashes: [1] }]]), path: /events\[0\]\.type/ },
    { name: 'dp rank is a string', payload: pack([1, [], 'zero']), path: /data_parallel_rank/ },
  ];
  for (const row of rows) {
    it(`rejects ${row.name} with a KvEventDecodeError`, () => {
      assert.throws(
        () => decodeKvEventBatch(row.payload),
        (error: unknown) => error instanceof KvEventDecodeError && row.path.test(error.message),
      );
    });
  }
});

describe('kv-event-codec encode', () => {
  const batch: KvEventBatch = {
    ts: 1700000001.125,
    events: [
      {
        type: 'BlockStored',
        blockHashes: ['18446744073709551615', '42'],
        parentBlockHash: '9007199254740993',
        tokenIds: [1, 2],
        blockSize: 1,
        loraId: null,
        medium: 'GPU',
      },
      { type: 'BlockStored', blockHashes: ['xdeadbeef'], parentBlockHash: null, tokenIds: [3], blockSize: 1, loraId: 2, medium: null },
      { type: 'BlockRemoved', blockHashes: ['-7'], medium: 'GPU' },
      { type: 'AllBlocksCleared' },
    ],
    dataParallelRank: 0,
  };

  for (const layout of Object.values(KvEventLayout)) {
    it(`round-trips every event kind in the ${layout} layout`, () => {
      assert.deepEqual(decodeKvEventBatch(encodeKvEventBatch(batch, layout)), batch);
    });
  }

  it('writes the positional layout vLLM consumers read, hashes as 64-bit ints, dp rank omitted when null', () => {
    const bytes = encodeKvEventBatch({
      ts: 1.5,
      events: [{ type: 'BlockRemoved', blockHashes: ['5'], medium: 'GPU' }],
      dataParallelRank: null,
    });
    // fixarray(2), float64 1.5, fixarray(1), fixarray(3), fixstr 'BlockRemoved', fixarray(1), int64 5, fixstr 'GPU'
    const expected = Buffer.concat([
      Buffer.from([0x92, 0xcb]),
      Buffer.from('3ff8000000000000', 'hex'),
      Buffer.from([0x91, 0x93, 0xac]),
      Buffer.from('BlockRemoved'),
      Buffer.from([0x91, 0xd3]),
      Buffer.from('0000000000000005', 'hex'),
      Buffer.from([0xa3]),
      Buffer.from('GPU'),
    ]);
    assert.equal(bytes.toString('hex'), expected.toString('hex'));
  });

  it('refuses a hash string that is not canonical', () => {
    assert.throws(
      () => encodeKvEventBatch({ ts: 1, events: [{ type: 'BlockRemoved', blockHashes: ['0xzz'], medium: null }], dataParallelRank: null }),
      TypeError,
    );
  });
});
