// Package jsondoc is the document model of the json and jsonb types: a
// parsed document as a tree of Values (Parse), jsonb's canonical form
// (SortKeys, and numbers as numeric, which sql/types adds), its output
// text (AppendJSONB, AppendString) and its btree order (Compare,
// CompareDocuments). It knows no SQL types: sql/types turns json and
// jsonb values into documents and back, and the JSON functions and
// operators of sql/builtins work on the trees.
//
// A tree is not shared: whoever parsed it may change it. After adding
// object keys, SortKeys puts the object back in jsonb's order.
package jsondoc
