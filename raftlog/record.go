package raftlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// WAL record layout (little endian):
//
//	[u32 len][u32 crc32c][u8 type][payload: len bytes]
//
// crc32c (Castagnoli) covers the type byte and the payload. A header of nine
// zero bytes is not a record: it marks the end of the written part of a
// segment (type 0 is never used).

const (
	recHeaderSize = 9
	// maxRecordPayload bounds len so that a corrupt length cannot make the
	// reader allocate gigabytes; a proposal bigger than this is refused.
	maxRecordPayload = 256 << 20
)

// Record types.
const (
	// recEntry holds a proto-marshaled raftpb.Entry.
	recEntry byte = 1
	// recHardState holds a proto-marshaled raftpb.HardState.
	recHardState byte = 2
	// recConfState holds [u64 applied index][proto-marshaled raftpb.ConfState]:
	// the membership after applying every conf change up to that index.
	recConfState byte = 3
	// recFront holds [u64 index][u64 term]: entries ≤ index were truncated
	// from the front (retention); term is the term of entry index.
	recFront byte = 4
	// recSnapshot holds [u64 index][u64 term]: the state machine was
	// replaced by a snapshot at index, so every entry before this record is
	// void and the log continues at index+1.
	recSnapshot byte = 5
	// recPeers holds the raft addresses of the members, repeated
	// [u64 id][u16 len][addr]; the latest record wins.
	recPeers byte = 6
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Decoder outcomes other than a good record.
var (
	errRecShort   = errors.New("short record")   // b ends inside the record
	errRecEnd     = errors.New("end of records") // zero header: nothing written here
	errRecBadLen  = errors.New("record length out of range")
	errRecBadType = errors.New("unknown record type")
	errRecBadCRC  = errors.New("record checksum mismatch")
)

// appendRecord appends one framed record to dst.
func appendRecord(dst []byte, typ byte, payload []byte) []byte {
	var h [recHeaderSize]byte
	binary.LittleEndian.PutUint32(h[0:4], uint32(len(payload)))
	crc := crc32.Update(0, castagnoli, []byte{typ})
	crc = crc32.Update(crc, castagnoli, payload)
	binary.LittleEndian.PutUint32(h[4:8], crc)
	h[8] = typ
	dst = append(dst, h[:]...)
	return append(dst, payload...)
}

// beginRecord reserves a header in dst; the payload is appended by the
// caller and finishRecord fills the header in. This avoids a copy when
// marshaling straight into the write buffer.
func beginRecord(dst []byte) ([]byte, int) {
	start := len(dst)
	return append(dst, make([]byte, recHeaderSize)...), start
}

func finishRecord(buf []byte, start int, typ byte) {
	payload := buf[start+recHeaderSize:]
	binary.LittleEndian.PutUint32(buf[start:start+4], uint32(len(payload)))
	crc := crc32.Update(0, castagnoli, []byte{typ})
	crc = crc32.Update(crc, castagnoli, payload)
	binary.LittleEndian.PutUint32(buf[start+4:start+8], crc)
	buf[start+8] = typ
}

// decodeRecord decodes the record at the start of b. It returns the type,
// the payload (aliasing b) and the record's total size. It never panics.
func decodeRecord(b []byte) (typ byte, payload []byte, n int, err error) {
	if len(b) < recHeaderSize {
		if allZero(b) {
			return 0, nil, 0, errRecEnd
		}
		return 0, nil, 0, errRecShort
	}
	size := binary.LittleEndian.Uint32(b[0:4])
	crc := binary.LittleEndian.Uint32(b[4:8])
	typ = b[8]
	if size == 0 && crc == 0 && typ == 0 {
		return 0, nil, 0, errRecEnd
	}
	if typ < recEntry || typ > recPeers {
		return 0, nil, 0, errRecBadType
	}
	if size > maxRecordPayload {
		return 0, nil, 0, errRecBadLen
	}
	end := recHeaderSize + int(size)
	if len(b) < end {
		return 0, nil, 0, errRecShort
	}
	payload = b[recHeaderSize:end]
	got := crc32.Update(0, castagnoli, b[8:9])
	got = crc32.Update(got, castagnoli, payload)
	if got != crc {
		return 0, nil, 0, errRecBadCRC
	}
	return typ, payload, end, nil
}

var zeroPage [4096]byte

func allZero(b []byte) bool {
	for len(b) > 0 {
		k := min(len(b), len(zeroPage))
		if !bytes.Equal(b[:k], zeroPage[:k]) {
			return false
		}
		b = b[k:]
	}
	return true
}

// zeroSuffix returns the length of the run of zero bytes ending b.
func zeroSuffix(b []byte) int {
	n := 0
	for n < len(b) && b[len(b)-1-n] == 0 {
		n++
	}
	return n
}

// validRecordAfter reports whether any complete record with a good checksum
// starts in b[from:]. It tells a torn tail (nothing valid after the failure:
// the crash interrupted the last write) from corruption in the middle (good
// records follow a bad one). Only called on the failure path of replay.
func validRecordAfter(b []byte, from int) bool {
	for i := from; i+recHeaderSize <= len(b); i++ {
		t := b[i+8]
		if t < recEntry || t > recPeers {
			continue
		}
		size := binary.LittleEndian.Uint32(b[i : i+4])
		if size == 0 || size > maxRecordPayload || i+recHeaderSize+int(size) > len(b) {
			continue
		}
		if _, _, _, err := decodeRecord(b[i:]); err == nil {
			return true
		}
	}
	return false
}
