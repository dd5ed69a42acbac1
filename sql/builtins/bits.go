package builtins

import "logdb/sql/types"

// Functions of bit(n) (types/bits.go): get_bit and length, what river's
// unique-states bitmask uses.
func init() {
	def("get_bit", types.Int4OID, oids(types.BitOID, types.Int4OID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return types.GetBit(a[0].(types.Bits), i64(a[1]))
	})
	def("length", types.Int4OID, oids(types.BitOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return int64(len(a[0].(types.Bits))), nil
	})
	def("bit_length", types.Int4OID, oids(types.BitOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return int64(len(a[0].(types.Bits))), nil
	})
}

// xid = integer and xid <> integer (xideqint4, xidneint4): river's
// upsert tells an updated row by RETURNING (xmax != 0).
func init() {
	binop("=", types.XidOID, types.Int4OID, types.BoolOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return uint32(l.(int64)) == uint32(r.(int64)), nil
	})
	binop("<>", types.XidOID, types.Int4OID, types.BoolOID, func(_ *types.EvalContext, l, r types.Datum) (types.Datum, error) {
		return uint32(l.(int64)) != uint32(r.(int64)), nil
	})
}
