package sqlite

import "strings"

// isUniqueViolation reports whether err is SQLite's UNIQUE or PRIMARY KEY constraint failure.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// isForeignKeyViolation reports whether err is SQLite's FOREIGN KEY constraint failure
// (a row still referred to by a RESTRICT reference).
func isForeignKeyViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}
