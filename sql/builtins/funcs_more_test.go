package builtins

import "testing"

// Expected values and errors were produced by PostgreSQL 15.18 (TimeZone
// UTC): the regexp_* functions with start, N, flags and subexpressions,
// date_bin, make_timestamptz with a zone, min_scale, trim_scale, unistr.
var moreFuncCases = []struct {
	name    string
	args    []arg
	want    string
	wantErr string
}{
	{"regexp_count", []arg{a("text", "abcabc"), a("text", "b")}, "2", ""},
	{"regexp_count", []arg{a("text", "abcabc"), a("text", "b"), a("int", "3")}, "1", ""},
	{"regexp_count", []arg{a("text", "ABCabc"), a("text", "b"), a("int", "1"), a("text", "i")}, "2", ""},
	{"regexp_count", []arg{a("text", "abcabc"), a("text", "b"), a("int", "0")}, "", `22023 invalid value for parameter "start": 0`},
	{"regexp_count", []arg{a("text", "abcabc"), a("text", "b"), a("int", "1"), a("text", "g")}, "", `22023 regexp_count() does not support the "global" option`},
	{"regexp_instr", []arg{a("text", "héllo wörld"), a("text", "ö")}, "8", ""},
	{"regexp_instr", []arg{a("text", "abcabc"), a("text", "(b)(c)"), a("int", "1"), a("int", "2"), a("int", "1"), a("text", ""), a("int", "2")}, "7", ""},
	{"regexp_instr", []arg{a("text", "abcabc"), a("text", "(b)(c)"), a("int", "1"), a("int", "2"), a("int", "1"), a("text", ""), a("int", "5")}, "0", ""},
	{"regexp_instr", []arg{a("text", "abcabc"), a("text", "c"), a("int", "4")}, "6", ""},
	{"regexp_instr", []arg{a("text", "abcabc"), a("text", "x")}, "0", ""},
	{"regexp_instr", []arg{a("text", "abcabc"), a("text", "b"), a("int", "1"), a("int", "0")}, "", `22023 invalid value for parameter "n": 0`},
	{"regexp_instr", []arg{a("text", "abcabc"), a("text", "b"), a("int", "1"), a("int", "1"), a("int", "2")}, "", `22023 invalid value for parameter "endoption": 2`},
	{"regexp_instr", []arg{a("text", "abcabc"), a("text", "(b)"), a("int", "1"), a("int", "1"), a("int", "0"), a("text", ""), a("int", "-1")}, "", `22023 invalid value for parameter "subexpr": -1`},
	{"regexp_substr", []arg{a("text", "number 123 and 4567"), a("text", `\d+`), a("int", "1"), a("int", "2")}, "4567", ""},
	{"regexp_substr", []arg{a("text", "ABC"), a("text", "b"), a("int", "1"), a("int", "1"), a("text", "i")}, "B", ""},
	{"regexp_substr", []arg{a("text", "a1b2"), a("text", `([a-z])(\d)`), a("int", "1"), a("int", "2"), a("text", ""), a("int", "2")}, "2", ""},
	{"regexp_substr", []arg{a("text", "abcabc"), a("text", "(b)(c)"), a("int", "1"), a("int", "2"), a("text", ""), a("int", "5")}, "NULL", ""},
	{"regexp_substr", []arg{a("text", "abcabc"), a("text", "b"), a("int", "1"), a("int", "1"), a("text", "g")}, "", `22023 regexp_substr() does not support the "global" option`},
	{"regexp_like", []arg{a("text", "abc"), a("text", "B"), a("text", "i")}, "t", ""},
	{"regexp_like", []arg{a("text", "abc"), a("text", "B"), a("text", "g")}, "", `22023 regexp_like() does not support the "global" option`},
	{"regexp_replace", []arg{a("text", "abcabc"), a("text", "b"), a("text", "X"), a("int", "2"), a("int", "0"), a("text", "g")}, "aXcaXc", ""},
	{"regexp_replace", []arg{a("text", "abcabc"), a("text", "b"), a("text", "X"), a("int", "1"), a("int", "2")}, "abcaXc", ""},
	{"regexp_replace", []arg{a("text", "abcabc"), a("text", "(b)"), a("text", `[\1]`), a("int", "3")}, "abca[b]c", ""},
	{"regexp_replace", []arg{a("text", "Hello World"), a("text", "o"), a("text", "0"), a("text", "g")}, "Hell0 W0rld", ""},
	{"regexp_replace", []arg{a("text", "abcabc"), a("text", "b"), a("text", "X"), a("int", "1"), a("int", "-1")}, "", `22023 invalid value for parameter "n": -1`},
	{"regexp_replace", []arg{a("text", "abcabc"), a("text", "b"), a("text", "X"), a("int", "0")}, "", `22023 invalid value for parameter "start": 0`},
	{"date_bin", []arg{a("interval", "15 minutes"), a("timestamp", "2020-02-11 15:44:17"), a("timestamp", "2001-01-01")}, "2020-02-11 15:30:00", ""},
	{"date_bin", []arg{a("interval", "15 min"), a("timestamp", "2000-01-01 00:07"), a("timestamp", "2000-01-01 00:10")}, "1999-12-31 23:55:00", ""},
	{"date_bin", []arg{a("interval", "1 day"), a("timestamptz", "2024-03-10 12:00+00"), a("timestamptz", "2001-01-01 00:00+00")}, "2024-03-10 00:00:00+00", ""},
	{"date_bin", []arg{a("interval", "1 day 2 hours"), a("timestamp", "2024-05-05 05:05"), a("timestamp", "1999-12-31 23:00")}, "2024-05-04 21:00:00", ""},
	{"date_bin", []arg{a("interval", "1 hour"), a("timestamp", "infinity"), a("timestamp", "2001-01-01")}, "infinity", ""},
	{"date_bin", []arg{a("interval", "1 month"), a("timestamp", "2020-02-11 15:44:17"), a("timestamp", "2001-01-01")}, "", "0A000 timestamps cannot be binned into intervals containing months or years"},
	{"date_bin", []arg{a("interval", "-5 minutes"), a("timestamp", "2020-02-11 15:44:17"), a("timestamp", "2001-01-01")}, "", "22008 stride must be greater than zero"},
	{"date_bin", []arg{a("interval", "1 hour"), a("timestamp", "2020-01-01"), a("timestamp", "infinity")}, "", "22008 origin out of range"},
	{"make_timestamptz", []arg{a("int", "2024"), a("int", "1"), a("int", "2"), a("int", "3"), a("int", "4"), a("float8", "5.5"), a("text", "America/New_York")}, "2024-01-02 08:04:05.5+00", ""},
	{"make_timestamptz", []arg{a("int", "2024"), a("int", "1"), a("int", "2"), a("int", "3"), a("int", "4"), a("float8", "5"), a("text", "+05:30")}, "2024-01-01 21:34:05+00", ""},
	{"make_timestamptz", []arg{a("int", "2024"), a("int", "7"), a("int", "2"), a("int", "3"), a("int", "4"), a("float8", "5"), a("text", "-8")}, "2024-07-02 11:04:05+00", ""},
	{"make_timestamptz", []arg{a("int", "2024"), a("int", "1"), a("int", "2"), a("int", "3"), a("int", "4"), a("float8", "5"), a("text", "Foo/Bar")}, "", `22023 time zone "Foo/Bar" not recognized`},
	{"min_scale", []arg{a("numeric", "1.2300")}, "2", ""},
	{"min_scale", []arg{a("numeric", "100")}, "0", ""},
	{"min_scale", []arg{a("numeric", "NaN")}, "NULL", ""},
	{"trim_scale", []arg{a("numeric", "1.2300")}, "1.23", ""},
	{"trim_scale", []arg{a("numeric", "0.00")}, "0", ""},
	{"trim_scale", []arg{a("numeric", "-5.10")}, "-5.1", ""},
	{"trim_scale", []arg{a("numeric", "100.000")}, "100", ""},
	{"trim_scale", []arg{a("numeric", "NaN")}, "NaN", ""},
	{"unistr", []arg{a("text", `a\0041\+01F600\u0042\U00000043`)}, "aA😀BC", ""},
	{"unistr", []arg{a("text", `\D83D\DE00 a\\b`)}, `😀 a\b`, ""},
	{"unistr", []arg{a("text", `\00`)}, "", "42601 invalid Unicode escape"},
	{"unistr", []arg{a("text", `\D800`)}, "", "42601 invalid Unicode surrogate pair"},
	{"unistr", []arg{a("text", `\+110000`)}, "", "22023 invalid Unicode code point: 110000"},
}

func TestMoreFuncsMatchPostgres(t *testing.T) {
	ctx := testCtx()
	for _, c := range moreFuncCases {
		got, err := callFunc(t, ctx, c.name, c.args...)
		name := c.name
		for _, x := range c.args {
			name += " " + x.typ + ":" + x.val
		}
		if c.wantErr != "" {
			if errString(err) != c.wantErr {
				t.Errorf("%s: got (%q, %v), want error %q", name, got, errString(err), c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, errString(err))
		} else if got != c.want {
			t.Errorf("%s: got %q, want %q", name, got, c.want)
		}
	}
}
