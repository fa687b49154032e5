package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"time"
)

// classifyBench times a source classification job: POST
// /v2025/sources/{AD}/classify until GET .../classify says COMPLETED, with a
// three-level criteria config on the demo AD source.
type classifyBench struct {
	tenant   tenantSpec
	info     *tenantInfo
	pristine string
}

func (b *classifyBench) flags(fs *flag.FlagSet) { b.tenant.flags(fs) }

func (b *classifyBench) prepare(ctx context.Context, o *options) (err error) {
	b.info, b.pristine, err = b.tenant.prepare(ctx, o)
	return err
}

// str is a pointer to s, for the optional members of a criterion.
func str(s string) *string { return &s }

type criterion struct {
	Operation     string       `json:"operation"`
	CaseSensitive bool         `json:"caseSensitive"`
	Attribute     *string      `json:"attribute,omitempty"`
	Value         *string      `json:"value,omitempty"`
	Children      []*criterion `json:"children,omitempty"`
}

func node(op string, children ...*criterion) *criterion {
	return &criterion{Operation: op, Children: children}
}

func leaf(op, attr, value string) *criterion {
	return &criterion{Operation: op, Attribute: str(attr), Value: str(value)}
}

// benchCriteria is a three-level config of the kind an AD administrator writes.
var benchCriteria = node("OR",
	node("AND", leaf("CONTAINS", "distinguishedName", "OU=Service Accounts"), leaf("NOT_EQUALS", "employeeType", "EMPLOYEE")),
	node("AND", leaf("STARTS_WITH", "sAMAccountName", "svc"), leaf("EQUALS", "objectClass", "user")),
	node("AND", leaf("ENDS_WITH", "sAMAccountName", "$"), leaf("EQUALS", "objectClass", "computer")),
	node("AND", leaf("CONTAINS", "servicePrincipalName", "MSSQLSvc"), leaf("NOT_EQUALS", "employeeType", "EMPLOYEE")),
	node("OR", leaf("STARTS_WITH", "sAMAccountName", "sa-"), leaf("EQUALS", "employeeType", "SERVICE"),
		leaf("CONTAINS", "description", "service account"), leaf("STARTS_WITH", "sAMAccountName", "gmsa")),
)

type classifyStatus struct {
	Status string           `json:"status"`
	Counts map[string]int64 `json:"counts"`
}

func (b *classifyBench) run(ctx context.Context, o *options, run int) (result, error) {
	f, err := startFleet(ctx, o, b.pristine, filepath.Join(o.work, "run-classify"))
	if err != nil {
		return result{}, err
	}
	defer f.stop()
	srv := f.servers[0] // takes the requests; on PostgreSQL River spreads the job's work over every server
	tok, err := srv.token(b.info.AdminID, b.info.Secret)
	if err != nil {
		return result{}, err
	}
	src := "/v2025/sources/" + b.info.ADSourceID
	if err := srv.call("PUT", src+"/machine-classification-config", tok,
		map[string]any{"enabled": true, "classificationMethod": "CRITERIA", "criteria": benchCriteria}, nil); err != nil {
		return result{}, err
	}
	var prof <-chan error
	mark := f.cpuMark()
	start := time.Now()
	if err := srv.call("POST", src+"/classify", tok, nil, nil); err != nil {
		return result{}, err
	}
	if run == 0 && o.cpuProfile != "" {
		prof = f.profile(o.cpuProfile, o.profileFor)
	}
	var st classifyStatus
	for {
		if err := srv.call("GET", src+"/classify", tok, nil, &st); err != nil {
			return result{}, err
		}
		if st.Status != "STARTED" && st.Status != "COLLECTED" {
			break
		}
		if ctx.Err() != nil {
			return result{}, ctx.Err()
		}
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Since(start)
	if st.Status != "COMPLETED" {
		return result{}, fmt.Errorf("the job ended %s", st.Status)
	}
	res, err := f.usage(mark)
	if err != nil {
		return result{}, err
	}
	if prof != nil {
		if err := <-prof; err != nil {
			return result{}, fmt.Errorf("cpu profile: %w", err)
		}
	}
	n := st.Counts["COMPLETED"]
	rate := float64(n) / elapsed.Seconds()
	return result{value: rate, higherBetter: true, res: res,
		line: fmt.Sprintf("%d accounts classified in %.2f s = %.0f accounts/s", n, elapsed.Seconds(), rate)}, nil
}
