package directory

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"github.com/micahq/mica"
)

// Default search filters, when a search DN has no iterateSearchFilter. On
// Active Directory, computers and (group) managed service accounts are users
// too (their classes derive from user).
const (
	DefaultFilterAD   = "(objectClass=user)"
	DefaultFilterLDAP = "(|(objectClass=person)(objectClass=account)(objectClass=applicationProcess)(objectClass=simpleSecurityObject))"
)

// DefaultAttributesAD are the attributes read from Active Directory when the
// source names none (accountAttributes).
var DefaultAttributesAD = []string{"sAMAccountName", "userPrincipalName", "distinguishedName", "cn", "displayName",
	"givenName", "sn", "mail", "description", "employeeID", "department", "title", "manager", "managedBy", "memberOf",
	"objectClass", "objectGUID", "objectSid", "userAccountControl", "servicePrincipalName", "msDS-AllowedToDelegateTo",
	"pwdLastSet", "lastLogonTimestamp", "accountExpires", "lockoutTime", "whenCreated", "whenChanged", "dNSHostName",
	"operatingSystem", "primaryGroupID", "adminCount", "msDS-SupportedEncryptionTypes"}

// DefaultAttributesLDAP are read from other directories: every user attribute,
// and the operational ones that say when and whether.
var DefaultAttributesLDAP = []string{"*", "entryUUID", "createTimestamp", "modifyTimestamp", "pwdChangedTime",
	"pwdAccountLockedTime"}

// ReadAccounts connects and binds, and returns a reader that pages through
// the source's search DNs in order.
func (c *Connector) ReadAccounts(ctx context.Context, src *mica.Source) (mica.AccountReader, error) {
	cfg, pw, err := c.config(src)
	if err != nil {
		return nil, err
	}
	conn, err := c.connect(ctx, cfg, pw)
	if err != nil {
		return nil, err
	}
	r := &reader{ctx: ctx, cfg: cfg, conn: conn, seen: map[string]struct{}{}, pageSize: cfg.PageSize}
	r.stop = context.AfterFunc(ctx, func() { _ = conn.Close() }) // a cancelled aggregation ends a blocked read
	if r.pageSize == 0 {
		r.pageSize = DefaultPageSizeLDAP
		if cfg.Kind == mica.ConnectorActiveDirectory {
			r.pageSize = DefaultPageSizeAD
		}
	}
	r.attrs = cfg.Attributes
	if len(r.attrs) == 0 {
		r.attrs = DefaultAttributesLDAP
		if cfg.Kind == mica.ConnectorActiveDirectory {
			r.attrs = DefaultAttributesAD
		}
	} else {
		// The attributes the account id, name and state come from are read too.
		need := []string{cfg.IdentityAttribute, cfg.DisplayAttribute}
		if cfg.Kind == mica.ConnectorActiveDirectory {
			need = append(need, "sAMAccountName", "userAccountControl", "lockoutTime")
		}
		for _, n := range need {
			if n != "" && !containsFold(r.attrs, n) {
				r.attrs = append(append([]string(nil), r.attrs...), n)
			}
		}
	}
	r.mapper = newMapper(cfg)
	return r, nil
}

type reader struct {
	ctx      context.Context // the aggregation's: once it ends, Next returns its error
	cfg      *mica.DirectoryConfig
	conn     *ldap.Conn
	stop     func() bool
	attrs    []string
	pageSize int
	mapper   *mapper

	base    int                 // index of the search DN being read
	paging  *ldap.ControlPaging // nil before the first page of a search DN
	page    []*ldap.Entry
	pos     int
	more    bool            // the current search DN has pages left
	pending chan pageResult // the next page, asked for while this one is read
	n       int             // entries read
	seen    map[string]struct{}
}

type pageResult struct {
	res *ldap.SearchResult
	err error
}

// Next returns the next account, reading the next page when needed. An entry
// that an earlier search DN returned already (overlapping containers) is skipped.
func (r *reader) Next() (*mica.StagedAccount, error) {
	for {
		// A cancelled aggregation reads nothing more, not even the pages
		// already in; and its closed connection is not reported as lost.
		if err := r.ctx.Err(); err != nil {
			return nil, fmt.Errorf("read the directory: %w", err)
		}
		for r.pos < len(r.page) {
			e := r.page[r.pos]
			r.page[r.pos] = nil
			r.pos++
			a, err := r.mapper.account(e)
			if err != nil {
				return nil, err
			}
			if _, dup := r.seen[strings.ToLower(a.NativeIdentity)]; dup {
				continue
			}
			r.seen[strings.ToLower(a.NativeIdentity)] = struct{}{}
			r.n++
			a.Line = r.n
			return a, nil
		}
		if !r.more && r.paging != nil { // the search DN is done: on to the next
			r.base++
			r.paging = nil
		}
		if r.base >= len(r.cfg.SearchDNs) {
			return nil, io.EOF
		}
		if err := r.fetch(); err != nil {
			return nil, err
		}
	}
}

// fetch reads the next page of the current search DN: the one asked for
// while the last was read, or a first one. As soon as a page is in, the next
// is asked for, so that the directory sends it while this one is mapped.
func (r *reader) fetch() error {
	s := r.cfg.SearchDNs[r.base]
	var pr pageResult
	if r.pending != nil {
		pr = <-r.pending
		r.pending = nil
	} else {
		r.paging = ldap.NewControlPaging(uint32(r.pageSize))
		pr.res, pr.err = r.conn.Search(r.request(s))
	}
	if pr.err != nil {
		return searchFail(r.cfg, s.DN, r.n, pr.err)
	}
	res := pr.res
	if len(res.Referrals) > 0 {
		return fail("search", mica.EILLEGAL, "the search of %q at %s met a referral to %s after %d entries: mica does not "+
			"follow referrals; point searchDNs at containers this server holds", s.DN, r.cfg.Address(),
			strings.Join(res.Referrals, ", "), r.n)
	}
	r.page, r.pos = res.Entries, 0
	r.more = false
	if ctl, ok := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging); ok && len(ctl.Cookie) > 0 {
		r.paging.SetCookie(ctl.Cookie)
		r.more = true
		req := r.request(s)
		ch := make(chan pageResult, 1)
		r.pending = ch
		go func() {
			res, err := r.conn.Search(req)
			ch <- pageResult{res, err}
		}()
	}
	return nil
}

// request is the search of one page of s.
func (r *reader) request(s mica.SearchDN) *ldap.SearchRequest {
	filter := s.Filter
	if filter == "" {
		filter = DefaultFilterLDAP
		if r.cfg.Kind == mica.ConnectorActiveDirectory {
			filter = DefaultFilterAD
		}
	}
	scope := ldap.ScopeWholeSubtree
	switch s.Scope {
	case mica.ScopeOneLevel:
		scope = ldap.ScopeSingleLevel
	case mica.ScopeBase:
		scope = ldap.ScopeBaseObject
	}
	return ldap.NewSearchRequest(s.DN, scope, ldap.NeverDerefAliases, 0, 0, false, filter, r.attrs,
		[]ldap.Control{r.paging})
}

// Close ends the connection; a paged search left unfinished is abandoned with it.
func (r *reader) Close() error {
	r.stop()
	return r.conn.Close()
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
