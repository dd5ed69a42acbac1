package ddl

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

// AlterSequence runs ALTER SEQUENCE: OWNED BY, INCREMENT, MINVALUE,
// MAXVALUE, CACHE, CYCLE and RESTART (what pg_dump output and ORMs send).
func AlterSequence(ec *Ctx, d *catalog.Writer, as *pg_query.AlterSeqStmt, w Noticer) error {
	key, err := relKey(ec, d, as.Sequence) // schema.go
	if err != nil {
		return err
	}
	sq0, ok := d.Cat.Seqs[key]
	if !ok {
		if as.MissingOk {
			_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "relation \""+as.Sequence.Relname+"\" does not exist, skipping"))
			return nil
		}
		return plan.UndefinedTable(as.Sequence)
	}
	if err := ec.Session.CheckOwner(d.Cat, sq0.Owner, "sequence", sq0.Name); err != nil {
		return err
	}
	sq := *sq0
	restart := int64(-1)
	for _, o := range as.Options {
		de := o.GetDefElem()
		if de == nil {
			continue
		}
		num := func() int64 {
			switch {
			case de.Arg == nil:
				return 0
			case de.Arg.GetInteger() != nil:
				return int64(de.Arg.GetInteger().Ival)
			case de.Arg.GetFloat() != nil:
				n, _ := parseInt64(de.Arg.GetFloat().Fval)
				return n
			}
			return 0
		}
		switch de.Defname {
		case "owned_by":
			names := plan.NodeStrings(de.Arg.GetList().GetItems())
			if len(names) == 1 && names[0] == "none" {
				sq.OwnerTab, sq.OwnerCol = 0, 0
				continue
			}
			if len(names) < 2 {
				return pgerror.New(pgerror.SyntaxError, "invalid OWNED BY option")
			}
			tkey, err := namesKey(ec, d, names[:len(names)-1])
			if err != nil {
				return err
			}
			t, ok := d.Cat.Tables[tkey]
			if !ok {
				return pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", names[len(names)-2])
			}
			_, c := t.Column(names[len(names)-1])
			if c == nil {
				return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", names[len(names)-1], t.Name)
			}
			sq.OwnerTab, sq.OwnerCol = t.OID, c.ID
		case "increment":
			if sq.Increment = num(); sq.Increment == 0 {
				return pgerror.New(pgerror.InvalidParameterValue, "INCREMENT must not be zero")
			}
		case "minvalue":
			if de.Arg != nil {
				sq.Min = num()
			}
		case "maxvalue":
			if de.Arg != nil {
				sq.Max = num()
			}
		case "start":
			sq.Start = num()
		case "cache":
			sq.Cache = num()
		case "cycle":
			sq.Cycle = de.Arg == nil || de.Arg.GetBoolean() == nil || de.Arg.GetBoolean().Boolval
		case "restart":
			restart = sq.Start
			if de.Arg != nil {
				restart = num()
			}
		case "as":
		default:
			return pgerror.Unsupported("ALTER SEQUENCE option " + de.Defname)
		}
	}
	if err := d.PutSeq(&sq); err != nil {
		return err
	}
	if restart >= 0 {
		// the next nextval returns restart
		return ec.Session.SetSeqOrdinal(ec.Context, sq.OID, (restart-sq.Start)/sq.Increment)
	}
	return nil
}
