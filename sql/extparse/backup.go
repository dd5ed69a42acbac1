package extparse

// BackupRequest is what a BACKUP statement asks for: the state (BACKUP TO
// STDOUT), or with Log the raft entries From through Through (BACKUP LOG
// FROM n THROUGH m TO STDOUT), which a point-in-time restore replays.
type BackupRequest struct {
	Log           bool
	From, Through uint64
}
