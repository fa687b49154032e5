package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawConn is one keep-alive HTTP/1.1 connection of the load generator, spoken
// by hand: a GET written in one system call, the response's status, headers
// and body (Content-Length or chunked) read and checked, nothing kept. It
// costs the generator a fraction of net/http's client per request, which
// matters when the generator shares the servers' cores: with net/http the
// generator took ~44 µs of CPU per request on the list benchmark, about half
// of what the server itself used.
type rawConn struct {
	host    string // host:port, dialled and sent as Host
	timeout time.Duration
	conn    net.Conn
	r       *bufio.Reader
	req     []byte
}

func newRawConn(base string, timeout time.Duration) (*rawConn, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("load target %s: only http", base)
	}
	return &rawConn{host: u.Host, timeout: timeout}, nil
}

func (c *rawConn) close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

// get sends GET path with the bearer token; anything but a 200 with a body is
// an error. A connection that failed is closed and dialled again next time.
func (c *rawConn) get(ctx context.Context, path, token string) error {
	if c.conn == nil {
		d := net.Dialer{Timeout: c.timeout}
		conn, err := d.DialContext(ctx, "tcp", c.host)
		if err != nil {
			return err
		}
		c.conn = conn
		if c.r == nil {
			c.r = bufio.NewReaderSize(conn, 64<<10)
		} else {
			c.r.Reset(conn)
		}
	}
	if err := c.conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		c.close()
		return err
	}
	c.req = append(c.req[:0], "GET "...)
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.host...)
	c.req = append(c.req, "\r\nAuthorization: Bearer "...)
	c.req = append(c.req, token...)
	c.req = append(c.req, "\r\nX-SailPoint-Experimental: true\r\n\r\n"...) // source apps are experimental in v2025
	if _, err := c.conn.Write(c.req); err != nil {
		c.close()
		return err
	}
	status, n, closeAfter, err := c.readResponse()
	if err != nil || closeAfter {
		c.close()
	}
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if status != 200 || n == 0 {
		return fmt.Errorf("GET %s: status %d", path, status)
	}
	return nil
}

var errBadResponse = errors.New("malformed HTTP response")

// readResponse reads one response and returns its status and body length.
func (c *rawConn) readResponse() (status int, n int64, closeAfter bool, err error) {
	line, err := c.line()
	if err != nil {
		return 0, 0, false, err
	}
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, 0, false, errBadResponse
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, 0, false, errBadResponse
	}
	length, chunked := int64(-1), false
	for {
		h, err := c.line()
		if err != nil {
			return status, 0, false, err
		}
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return status, 0, false, errBadResponse
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil || length < 0 {
				return status, 0, false, errBadResponse
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closeAfter = bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case chunked:
		n, err = c.discardChunked()
	case length >= 0:
		var d int
		d, err = c.r.Discard(int(length))
		n = int64(d)
	default: // the body runs to the end of the connection
		n, err = io.Copy(io.Discard, c.r)
		closeAfter = true
	}
	return status, n, closeAfter, err
}

// discardChunked reads a chunked body (and its trailer) and returns its length.
func (c *rawConn) discardChunked() (int64, error) {
	var n int64
	for {
		line, err := c.line()
		if err != nil {
			return n, err
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || size < 0 {
			return n, errBadResponse
		}
		if size == 0 {
			for { // trailer, up to the blank line
				t, err := c.line()
				if err != nil || len(t) == 0 {
					return n, err
				}
			}
		}
		if _, err := c.r.Discard(int(size)); err != nil {
			return n, err
		}
		n += size
		if crlf, err := c.line(); err != nil || len(crlf) != 0 {
			return n, errBadResponse
		}
	}
}

// line reads one CRLF-terminated line without its end; the slice is valid
// until the next read.
func (c *rawConn) line() ([]byte, error) {
	b, err := c.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errBadResponse
		}
		return nil, err
	}
	b = b[:len(b)-1]
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b, nil
}
