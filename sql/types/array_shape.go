package types

import (
	"strconv"

	"logdb/sql/pgerror"
)

// Array shapes, as PostgreSQL keeps them: up to MaxArrayDims dimensions,
// each with a length and a lower bound, at most MaxArraySize elements in
// all. A plain array (one dimension, lower bound 1) has Dims nil, so the
// code that only knows plain arrays keeps working on them.

// ArrayDim is one dimension of an array: its length and lower bound.
type ArrayDim struct {
	Len, Lower int
}

const (
	// MaxArrayDims is PostgreSQL's MAXDIM.
	MaxArrayDims = 6
	// MaxArraySize is PostgreSQL's MaxArraySize (MaxAllocSize / sizeof(Datum)).
	MaxArraySize = 134217727
)

// NDims is the number of dimensions (0 for an empty array).
func (a Array) NDims() int {
	if len(a.Dims) > 0 {
		return len(a.Dims)
	}
	if len(a.Elements) == 0 {
		return 0
	}
	return 1
}

// Shape is the array's dimensions (nil for an empty array).
func (a Array) Shape() []ArrayDim {
	if len(a.Dims) > 0 {
		return a.Dims
	}
	if len(a.Elements) == 0 {
		return nil
	}
	return []ArrayDim{{Len: len(a.Elements), Lower: 1}}
}

// IsPlain reports whether the array has at most one dimension with lower
// bound 1.
func (a Array) IsPlain() bool { return len(a.Dims) == 0 }

// Shaped returns an array of elem with the given elements and shape,
// normalised: a plain shape becomes Dims nil, an array without elements
// has no dimensions. The product of dims' lengths must be len(elems).
func Shaped(elem T, elems []Datum, dims []ArrayDim) Array {
	a := Array{Elem: elem, Elements: elems}
	if len(elems) == 0 {
		a.Elements = []Datum{}
		return a
	}
	if len(dims) > 1 || len(dims) == 1 && dims[0].Lower != 1 {
		a.Dims = dims
	}
	return a
}

// WithShapeOf gives out (built element by element from a) a's shape.
func (a Array) WithShapeOf(src Array) Array {
	if len(a.Elements) == len(src.Elements) {
		a.Dims = src.Dims
	}
	return a
}

// CheckArraySize fails with 54000 when dims describe more than
// MaxArraySize elements or more than MaxArrayDims dimensions, or when an
// upper bound overflows, as PostgreSQL's ArrayGetNItems and
// ArrayCheckBounds do.
func CheckArraySize(dims []ArrayDim) error {
	if len(dims) > MaxArrayDims {
		return pgerror.New(pgerror.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)", len(dims), MaxArrayDims)
	}
	n := int64(1)
	for _, d := range dims {
		if d.Len < 0 {
			return pgerror.New(pgerror.ProgramLimitExceeded, "array size exceeds the maximum allowed (%d)", MaxArraySize)
		}
		n *= int64(d.Len)
		if n > MaxArraySize {
			return pgerror.New(pgerror.ProgramLimitExceeded, "array size exceeds the maximum allowed (%d)", MaxArraySize)
		}
		if int64(d.Lower)+int64(d.Len) > 1<<31 || int64(d.Lower) < -(1<<31) {
			return pgerror.New(pgerror.ProgramLimitExceeded, "array upper bound is too large: %d", int64(d.Lower)+int64(d.Len)-1)
		}
	}
	return nil
}

// validShape reports whether dims (read from storage) describe n > 0
// elements within PostgreSQL's limits.
func validShape(dims []ArrayDim, n int) bool {
	if n == 0 || CheckArraySize(dims) != nil {
		return false
	}
	m := 1
	for _, d := range dims {
		if d.Len < 1 {
			return false
		}
		m *= d.Len
	}
	return m == n
}

// appendArrayDims is array_dims's text: [1:2][0:3].
func appendArrayDims(dst []byte, dims []ArrayDim) []byte {
	for _, d := range dims {
		dst = append(dst, '[')
		dst = strconv.AppendInt(dst, int64(d.Lower), 10)
		dst = append(dst, ':')
		dst = strconv.AppendInt(dst, int64(d.Lower+d.Len-1), 10)
		dst = append(dst, ']')
	}
	return dst
}

// ArrayDimsText is array_dims(a): NULL (ok false) for an empty array.
func ArrayDimsText(a Array) (string, bool) {
	dims := a.Shape()
	if len(dims) == 0 {
		return "", false
	}
	return string(appendArrayDims(nil, dims)), true
}

// CompareShapes orders two arrays with equal elements as PostgreSQL's
// array_cmp does: by number of dimensions, then each dimension's length,
// then its lower bound.
func compareShapes(x, y Array) int {
	a, b := x.Shape(), y.Shape()
	if len(a) != len(b) {
		return cmpInt(int64(len(a)), int64(len(b)))
	}
	for i := range a {
		if c := cmpInt(int64(a[i].Len), int64(b[i].Len)); c != 0 {
			return c
		}
		if c := cmpInt(int64(a[i].Lower), int64(b[i].Lower)); c != 0 {
			return c
		}
	}
	return 0
}
