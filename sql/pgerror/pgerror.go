package pgerror

import (
	"errors"
	"fmt"
)

// SQLSTATE codes used by logdb, as PostgreSQL defines them.
const (
	SuccessfulCompletion         = "00000"
	Warning                      = "01000"
	ConnectionException          = "08000"
	ProtocolViolation            = "08P01"
	FeatureNotSupported          = "0A000"
	InvalidTransactionState      = "25000"
	ActiveSQLTransaction         = "25001"
	NoActiveSQLTransaction       = "25P01"
	InFailedSQLTransaction       = "25P02"
	ReadOnlySQLTransaction       = "25006"
	InvalidAuthorization         = "28000"
	InvalidCatalogName           = "3D000" // database does not exist
	InvalidCursorName            = "34000"
	InvalidSavepointSpec         = "3B001"
	SerializationFailure         = "40001"
	StatementCompletionUnknown   = "40003"
	DeadlockDetected             = "40P01"
	SyntaxError                  = "42601"
	InsufficientPrivilege        = "42501"
	UndefinedColumn              = "42703"
	UndefinedTable               = "42P01"
	UndefinedFunction            = "42883"
	UndefinedObject              = "42704"
	UndefinedParameter           = "42P02"
	UndefinedPreparedStatement   = "26000"
	DuplicateTable               = "42P07"
	DuplicateColumn              = "42701"
	DuplicateObject              = "42710"
	DuplicateDatabase            = "42P04"
	WrongObjectType              = "42809"
	DuplicatePreparedStatement   = "42P05"
	DuplicateCursor              = "42P03"
	AmbiguousColumn              = "42702"
	AmbiguousFunction            = "42725"
	DatatypeMismatch             = "42804"
	CannotCoerce                 = "42846"
	GroupingError                = "42803"
	InvalidColumnReference       = "42P10"
	InvalidTableDefinition       = "42P16"
	InvalidObjectDefinition      = "42P17"
	InvalidParameterValue        = "22023"
	InvalidTextRepresentation    = "22P02"
	InvalidBinaryRepresentation  = "22P03"
	NumericValueOutOfRange       = "22003"
	DivisionByZero               = "22012"
	StringDataRightTruncation    = "22001"
	StringDataLengthMismatch     = "22026"
	InvalidDatetimeFormat        = "22007"
	DatetimeFieldOverflow        = "22008"
	InvalidEscapeSequence        = "22025"
	NullValueNotAllowed          = "22004"
	CardinalityViolation         = "21000"
	InvalidRegularExpression     = "2201B"
	IntegrityConstraintViolation = "23000"
	NotNullViolation             = "23502"
	ForeignKeyViolation          = "23503"
	InvalidForeignKey            = "42830"
	DependentObjectsStillExist   = "2BP01"
	UniqueViolation              = "23505"
	CheckViolation               = "23514"
	QueryCanceled                = "57014"
	AdminShutdown                = "57P01"
	IdleSessionTimeout           = "57P05"
	IdleInTransactionTimeout     = "25P03"
	CannotConnectNow             = "57P03"
	ObjectNotInPrerequisiteState = "55000"
	ObjectInUse                  = "55006"
	LockNotAvailable             = "55P03"
	ProgramLimitExceeded         = "54000"
	ArraySubscriptError          = "2202E"
	DataException                = "22000"
	StatementTooComplex          = "54001"
	TooManyConnections           = "53300"
	DiskFull                     = "53100"
	OutOfMemory                  = "53200"
	CharacterNotInRepertoire     = "22021"
	UndefinedFile                = "58P01"
	InvalidFunctionDefinition    = "42P13"
	DuplicateFunction            = "42723"
	TooManyArguments             = "54023"
	RaiseException               = "P0001"
	NoDataFound                  = "P0002"
	TooManyRows                  = "P0003"
	AssertFailure                = "P0004"
	CaseNotFound                 = "20000"
	Internal                     = "XX000"
	DataCorrupted                = "XX001"
)

// Error is an error with a SQLSTATE, shaped like PostgreSQL's ErrorResponse.
type Error struct {
	Code       string // SQLSTATE
	Message    string // primary message, lower case, no trailing period
	Detail     string
	Hint       string
	Severity   string // "ERROR" when empty
	Table      string
	Column     string
	Constraint string
	Position   int32  // 1-based character position in the query, 0 when unknown
	Where      string // CONTEXT: where it happened, innermost first, one a line
	Cause      error  // wrapped error, for errors.Is/As; not sent to clients
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Message + " (" + e.Detail + ")"
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// New returns an error with the given SQLSTATE and a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with the given SQLSTATE whose message is
// the formatted text followed by ": " and cause's message.
func Wrap(cause error, code, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if cause != nil {
		msg += ": " + cause.Error()
	}
	return &Error{Code: code, Message: msg, Cause: cause}
}

// Unsupported returns a 0A000 error naming the unsupported feature.
func Unsupported(feature string) *Error {
	return &Error{Code: FeatureNotSupported, Message: feature + " is not supported"}
}

// Code returns err's SQLSTATE: the code of the first *Error in its chain,
// or XX000 when there is none (and "" for a nil err).
func Code(err error) string {
	if err == nil {
		return ""
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return Internal
}

// As returns err as an *Error, converting an error without a SQLSTATE into
// an XX000 error with the same message.
func As(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return &Error{Code: Internal, Message: err.Error(), Cause: err}
}
