package aggregate_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/aggregate"
)

// endless yields a prefix, then the byte fill forever, counting what it gave.
type endless struct {
	prefix string
	fill   byte
	n      int64
}

func (e *endless) Read(p []byte) (int, error) {
	i := 0
	for ; i < len(p) && len(e.prefix) > 0; i++ {
		p[i], e.prefix = e.prefix[0], e.prefix[1:]
	}
	for ; i < len(p); i++ {
		p[i] = e.fill
	}
	e.n += int64(i)
	return i, nil
}

// TestRecordCapWhileReading: a huge quoted cell or header is refused once the
// record cap is read, not after the whole record is buffered (a 150 MiB cell
// used to take the server from 24 MB to 808 MB before the cell-size error).
func TestRecordCapWhileReading(t *testing.T) {
	t.Parallel()
	f := aggregate.Format{Delimiter: ',', IndexColumn: "id", NameColumn: "name", MultiValueSep: "|"}
	bound := int64(aggregate.MaxRecordBytes + 256<<10)
	for _, c := range []struct {
		name, prefix string
		header       bool
		want         string
	}{
		{"quoted cell", "id,name,description\n1,a,ok\n2,b,\"", false, "line 3: the row that starts after line 2 is longer than 8388608 bytes"},
		{"header", "id,name,", true, "line 1: the header is longer than 8388608 bytes"},
	} {
		src := &endless{prefix: c.prefix, fill: 'x'}
		rd, err := aggregate.NewReader(src, f)
		if !c.header {
			if err != nil {
				t.Fatalf("%s: header: %v", c.name, err)
			}
			for err == nil {
				_, err = rd.Next()
			}
		}
		if err == nil || errors.Is(err, io.EOF) || mica.ErrorCode(err) != mica.EILLEGAL || !strings.Contains(mica.ErrorMessage(err), c.want) {
			t.Fatalf("%s: error %v, want %q", c.name, err, c.want)
		}
		if src.n > bound {
			t.Fatalf("%s: read %d bytes before refusing, want at most %d", c.name, src.n, bound)
		}
	}
}
