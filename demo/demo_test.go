package demo_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
	"github.com/micahq/mica/demo"
)

// digest hashes everything a tenant holds (encoding/json sorts map keys).
func digest(t *testing.T, tn *demo.Tenant) string {
	t.Helper()
	b, err := json.Marshal(tn)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	a := digest(t, demo.Generate(demo.Config{Seed: 7, Identities: 500}))
	b := digest(t, demo.Generate(demo.Config{Seed: 7, Identities: 500}))
	c := digest(t, demo.Generate(demo.Config{Seed: 8, Identities: 500}))
	if a != b {
		t.Errorf("same seed, different tenants: %s != %s", a, b)
	}
	if a == c {
		t.Errorf("seeds 7 and 8 gave the same tenant %s", a)
	}
}

// TestStreamingMatchesTenant: GenerateAccounts yields exactly the accounts Generate holds.
func TestStreamingMatchesTenant(t *testing.T) {
	t.Parallel()
	cfg := demo.Config{Seed: 3, Identities: 300}
	tn := demo.Generate(cfg)
	var got []*mica.Account
	for src := range demo.NumSources {
		err := demo.GenerateAccounts(cfg, src, func(a *mica.Account, tr demo.Truth) error {
			if tn.Truth[a.ID] != tr {
				t.Errorf("account %s: truth %v, tenant says %v", a.Name, tr, tn.Truth[a.ID])
			}
			got = append(got, a)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(tn.Accounts)
	if string(g) != string(w) {
		t.Error("streamed accounts differ from the tenant's")
	}
	var ids []string
	_ = demo.GenerateIdentities(cfg, func(i *mica.Identity) error { ids = append(ids, i.ID); return nil })
	if len(ids) != len(tn.Identities) || ids[0] != tn.Identities[0].ID {
		t.Error("streamed identities differ from the tenant's")
	}
	stop := errors.New("stop")
	n := 0
	err := demo.GenerateAccounts(cfg, demo.SourceAD, func(*mica.Account, demo.Truth) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: got %v after %d accounts, want stop after 1", err, n)
	}
	if err := demo.GenerateAccounts(cfg, demo.NumSources, nil); mica.ErrorCode(err) != mica.EINVALID {
		t.Errorf("bad source index: %v", err)
	}
}

// byKind counts a source's accounts per kind.
func byKind(tn *demo.Tenant, src int) map[demo.Kind]int {
	m := map[demo.Kind]int{}
	for _, a := range tn.Accounts {
		if a.SourceID == tn.Sources[src].ID {
			m[tn.Truth[a.ID].Kind]++
		}
	}
	return m
}

// Documented bounds: AD holds 10-20 % non-human objects (the share defaults to
// 15 %), of every machine kind; every source has both humans and machines of
// its own kinds, except HR which has only people.
func TestProportions(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 4; seed++ {
		tn := demo.Generate(demo.Config{Seed: seed})
		st := demo.Stats(tn)
		if len(tn.Identities) != demo.DefaultIdentities {
			t.Errorf("seed %d: %d identities", seed, len(tn.Identities))
		}
		ad := st.Sources[demo.SourceAD]
		if s := ad.MachineShare(); s < 0.10 || s > 0.20 {
			t.Errorf("seed %d: AD machine share %.3f outside [0.10, 0.20]", seed, s)
		}
		if hr := st.Sources[demo.SourceHR]; hr.Accounts != len(tn.Identities) || hr.Machines != 0 {
			t.Errorf("seed %d: HR has %d accounts, %d machines", seed, hr.Accounts, hr.Machines)
		}
		want := map[int][]demo.Kind{
			demo.SourceAD: {demo.KindComputer, demo.KindService, demo.KindGMSA, demo.KindMSA, demo.KindBuiltIn,
				demo.KindSync, demo.KindEmployee, demo.KindContractor, demo.KindLeaver, demo.KindAdmin},
			demo.SourceEntra:      {demo.KindServicePrincipal, demo.KindSync, demo.KindService, demo.KindGuest, demo.KindEmployee},
			demo.SourceGitHub:     {demo.KindBot, demo.KindEmployee},
			demo.SourceSalesforce: {demo.KindIntegration, demo.KindBuiltIn, demo.KindEmployee},
			demo.SourceSlack:      {demo.KindBot, demo.KindBuiltIn, demo.KindGuest, demo.KindEmployee},
		}
		for src, kinds := range want {
			have := byKind(tn, src)
			for _, k := range kinds {
				if have[k] == 0 {
					t.Errorf("seed %d: %s has no %s account", seed, tn.Sources[src].Name, k)
				}
			}
		}
		comp := float64(ad.Kinds[demo.KindComputer]) / float64(ad.Machines)
		svc := float64(ad.Kinds[demo.KindService]) / float64(ad.Machines)
		if comp < 0.3 || comp > 0.5 || svc < 0.3 || svc > 0.55 {
			t.Errorf("seed %d: AD machines are %.2f computers, %.2f service accounts", seed, comp, svc)
		}
		if seed == 1 {
			t.Logf("\n%s", st)
		}
	}
}

func TestADAccountsExact(t *testing.T) {
	t.Parallel()
	n := 0
	err := demo.GenerateAccounts(demo.Config{Seed: 1, ADAccounts: 20_000}, demo.SourceAD,
		func(*mica.Account, demo.Truth) error { n++; return nil })
	if err != nil || n != 20_000 {
		t.Errorf("ADAccounts 20000: got %d accounts, %v", n, err)
	}
}

var (
	rdnRE = regexp.MustCompile(`^(CN|OU|DC)=([^,=+"\\<>;]|\\[,=+"\\<>;#])+$`)
	spnRE = regexp.MustCompile(`^[A-Za-z]+/[A-Za-z0-9.-]+(:[0-9]+|/[A-Za-z0-9.-]+)?$`)
	ftRE  = regexp.MustCompile(`^(0|1[0-9]{17})$`)
	uacs  = []int{512, 514, 544, 66048, 66050, 66082, 4096, 4098, 532480}
)

// splitDN splits a DN at unescaped commas.
func splitDN(dn string) []string {
	var out []string
	start := 0
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',':
			out = append(out, dn[start:i])
			start = i + 1
		}
	}
	return append(out, dn[start:])
}

func TestADAttributes(t *testing.T) {
	t.Parallel()
	tn := demo.Generate(demo.Config{Seed: 11})
	const base = "DC=corp,DC=example,DC=com"
	sams := map[string]bool{}
	dns := map[string]bool{}
	var managers []string
	for _, a := range tn.Accounts {
		if a.SourceID != tn.Sources[demo.SourceAD].ID {
			continue
		}
		tr := tn.Truth[a.ID]
		at := a.Attributes
		dn, _ := at["distinguishedName"].(string)
		sam, _ := at["sAMAccountName"].(string)
		if dn != a.NativeIdentity || sam != a.Name {
			t.Errorf("%s: nativeIdentity %q / name %q do not match the DN and sAMAccountName", sam, a.NativeIdentity, a.Name)
		}
		if !strings.HasSuffix(dn, ","+base) {
			t.Errorf("%s: DN %q not in the domain", sam, dn)
		}
		for _, rdn := range splitDN(dn) {
			if !rdnRE.MatchString(rdn) {
				t.Errorf("%s: malformed RDN %q in %q", sam, rdn, dn)
			}
		}
		if dns[strings.ToLower(dn)] || sams[strings.ToLower(sam)] {
			t.Errorf("duplicate DN %q or sAMAccountName %q", dn, sam)
		}
		dns[strings.ToLower(dn)], sams[strings.ToLower(sam)] = true, true
		limit := 20
		if strings.HasSuffix(sam, "$") {
			limit = 16
		}
		if len(sam) > limit || sam == "" {
			t.Errorf("sAMAccountName %q longer than %d", sam, limit)
		}
		uac, ok := at["userAccountControl"].(int)
		if !ok || !slices.Contains(uacs, uac) {
			t.Errorf("%s: userAccountControl %v", sam, at["userAccountControl"])
		}
		if a.Disabled != (uac&2 != 0) {
			t.Errorf("%s: disabled %v with userAccountControl %d", sam, a.Disabled, uac)
		}
		oc, _ := at["objectClass"].([]string)
		if len(oc) < 4 || oc[0] != "top" || !slices.Contains(oc, "user") {
			t.Errorf("%s: objectClass %v", sam, oc)
		}
		isComputer := slices.Contains(oc, "computer")
		machineObject := tr.Kind == demo.KindComputer || tr.Kind == demo.KindGMSA || tr.Kind == demo.KindMSA
		if strings.HasSuffix(sam, "$") != isComputer || isComputer != machineObject {
			t.Errorf("%s: $ suffix, objectClass computer %v and kind %s disagree", sam, isComputer, tr.Kind)
		}
		if (tr.Kind == demo.KindGMSA) != slices.Contains(oc, "msDS-GroupManagedServiceAccount") ||
			(tr.Kind == demo.KindMSA) != slices.Contains(oc, "msDS-ManagedServiceAccount") {
			t.Errorf("%s: kind %s with objectClass %v", sam, tr.Kind, oc)
		}
		if isComputer && uac&0x3000 == 0 {
			t.Errorf("%s: computer object without a trust bit: %d", sam, uac)
		}
		if spns, ok := at["servicePrincipalName"]; ok {
			list, _ := spns.([]string)
			if len(list) == 0 {
				t.Errorf("%s: servicePrincipalName %v", sam, spns)
			}
			for _, s := range list {
				if !spnRE.MatchString(s) {
					t.Errorf("%s: malformed SPN %q", sam, s)
				}
			}
		}
		for _, k := range []string{"lastLogonTimestamp", "pwdLastSet"} {
			if v, ok := at[k]; ok && !ftRE.MatchString(v.(string)) {
				t.Errorf("%s: %s %q is not a FILETIME", sam, k, v)
			}
		}
		if m, ok := at["manager"].(string); ok {
			managers = append(managers, m)
		}
		if tr.Machine == (at["employeeID"] != nil) && tr.Kind != demo.KindAdmin {
			t.Errorf("%s (%s): employeeID %v", sam, tr.Kind, at["employeeID"])
		}
	}
	for _, m := range managers {
		if !dns[strings.ToLower(m)] {
			t.Errorf("manager %q is not an AD account", m)
		}
	}
}

func TestCorrelation(t *testing.T) {
	t.Parallel()
	tn := demo.Generate(demo.Config{Seed: 5})
	ids := map[string]*mica.Identity{}
	for _, i := range tn.Identities {
		ids[i.ID] = i
	}
	owned, machines := 0, 0
	for _, a := range tn.Accounts {
		tr := tn.Truth[a.ID]
		if a.Uncorrelated != (a.IdentityID == "") {
			t.Errorf("%s: uncorrelated %v with identity %q", a.Name, a.Uncorrelated, a.IdentityID)
		}
		if a.IdentityID != "" && ids[a.IdentityID] == nil {
			t.Errorf("%s: identity %q does not exist", a.Name, a.IdentityID)
		}
		if a.SourceID != tn.Sources[demo.SourceAD].ID && a.SourceID != tn.Sources[demo.SourceHR].ID {
			continue
		}
		switch {
		case tr.Machine:
			machines++
			if a.IdentityID != "" {
				owned++
			}
		case a.IdentityID == "":
			t.Errorf("%s: human AD/HR account (%s) without an identity", a.Name, tr.Kind)
		case tr.Kind != demo.KindAdmin:
			eid := a.Attributes["employeeID"]
			if eid == nil {
				eid = a.Attributes["employeeId"]
			}
			if eid != ids[a.IdentityID].Attributes["identificationNumber"] {
				t.Errorf("%s: employee id %v, identity has %v", a.Name, eid, ids[a.IdentityID].Attributes["identificationNumber"])
			}
		}
	}
	if owned == 0 || owned > machines/3 {
		t.Errorf("%d of %d AD machine accounts have an owner; want some, mostly uncorrelated", owned, machines)
	}
}

func TestManagerTree(t *testing.T) {
	t.Parallel()
	tn := demo.Generate(demo.Config{Seed: 9})
	byID := map[string]*mica.Identity{}
	roots, admins := 0, 0
	for _, i := range tn.Identities {
		if !mica.IsID(i.ID) || byID[i.ID] != nil {
			t.Fatalf("identity id %q malformed or duplicated", i.ID)
		}
		byID[i.ID] = i
		if err := i.Validate(); err != nil {
			t.Error(err)
		}
		if i.HasLevel(mica.LevelOrgAdmin) {
			admins++
		}
	}
	aliases := map[string]bool{}
	for _, i := range tn.Identities {
		if aliases[i.Alias] {
			t.Errorf("duplicate alias %q", i.Alias)
		}
		aliases[i.Alias] = true
		if i.ManagerID == "" {
			roots++
			continue
		}
		seen := map[string]bool{i.ID: true}
		for m := i.ManagerID; m != ""; m = byID[m].ManagerID {
			if byID[m] == nil {
				t.Fatalf("%s: manager %q does not exist", i.Name, m)
			}
			if seen[m] {
				t.Fatalf("%s: manager cycle through %s", i.Name, m)
			}
			seen[m] = true
		}
	}
	if roots != 1 || admins == 0 {
		t.Errorf("%d roots, %d ORG_ADMIN identities; want 1 root and an admin", roots, admins)
	}
}

func TestAccessProfilesAndApps(t *testing.T) {
	t.Parallel()
	tn := demo.Generate(demo.Config{Seed: 2})
	aps := map[string]demo.AccessProfile{}
	for _, ap := range tn.AccessProfiles {
		if ap.Source < 0 || ap.Source >= len(tn.Sources) || len(ap.Entitlements) == 0 || !mica.IsID(ap.ID) {
			t.Errorf("access profile %+v", ap)
		}
		aps[ap.ID] = ap
	}
	ids := map[string]bool{}
	for _, i := range tn.Identities {
		ids[i.ID] = true
	}
	held := map[string]int{}
	for _, g := range tn.Grants {
		if !ids[g.IdentityID] || aps[g.AccessProfileID].ID == "" {
			t.Errorf("grant %+v refers to nothing", g)
		}
		held[g.AccessProfileID]++
	}
	for _, ap := range tn.AccessProfiles {
		if held[ap.ID] == 0 || held[ap.ID] == len(tn.Identities) {
			t.Errorf("%s held by %d of %d identities", ap.Name, held[ap.ID], len(tn.Identities))
		}
	}
	var allUsers, byProfile, disabled, notRequestable bool
	for _, app := range tn.Apps {
		allUsers = allUsers || app.MatchAllAccounts && app.Enabled
		byProfile = byProfile || !app.MatchAllAccounts && len(app.AccessProfileIDs) > 0 && app.Enabled
		disabled = disabled || !app.Enabled
		notRequestable = notRequestable || app.Enabled && !app.ProvisionRequestEnabled
		for _, id := range app.AccessProfileIDs {
			if aps[id].Source != app.Source {
				t.Errorf("app %s: access profile %s of another source", app.Name, aps[id].Name)
			}
		}
	}
	if !allUsers || !byProfile || !disabled || !notRequestable {
		t.Errorf("apps miss a kind: all-users %v, access-profile %v, disabled %v, not requestable %v",
			allUsers, byProfile, disabled, notRequestable)
	}
}

// TestDiscoveryAgainstTruth measures classify.Discover against the ground truth
// of the default tenant. The demo tenant is never used to fit or tune
// discovery (it is fitted on the evaluation corpus, classify/testdata/corpus),
// so this is a second, separate measure.
func TestDiscoveryAgainstTruth(t *testing.T) {
	t.Parallel()
	tn := demo.Generate(demo.Config{})
	type counts struct{ tp, fp, fn, tn int }
	per := make([]counts, len(tn.Sources))
	index := map[string]int{}
	for i, s := range tn.Sources {
		index[s.ID] = i
	}
	for _, a := range tn.Accounts {
		_, machine := classify.Score(&classify.Account{Name: a.Name, NativeIdentity: a.NativeIdentity, Attributes: a.Attributes})
		c := &per[index[a.SourceID]]
		switch truth := tn.Truth[a.ID].Machine; {
		case machine && truth:
			c.tp++
		case machine:
			c.fp++
		case truth:
			c.fn++
		default:
			c.tn++
		}
	}
	ratio := func(a, b int) float64 {
		if a+b == 0 {
			return 1
		}
		return float64(a) / float64(a+b)
	}
	var all counts
	for i, c := range per {
		t.Logf("%-17s precision %.3f recall %.3f (tp %d, fp %d, fn %d)", tn.Sources[i].Name,
			ratio(c.tp, c.fp), ratio(c.tp, c.fn), c.tp, c.fp, c.fn)
		all.tp, all.fp, all.fn = all.tp+c.tp, all.fp+c.fp, all.fn+c.fn
	}
	t.Logf("%-17s precision %.3f recall %.3f", "all sources", ratio(all.tp, all.fp), ratio(all.tp, all.fn))
	// Lower bounds, with a margin under what discovery reaches (README,
	// "Discovery"). The small SaaS sources have 30 to 45 machines: one account
	// moves their figures by 2 to 3 points.
	for _, want := range []struct {
		source            int
		precision, recall float64
	}{
		{demo.SourceAD, 0.97, 0.95},
		{demo.SourceEntra, 0.97, 0.95},
		{demo.SourceGitHub, 0.9, 0.9},
		{demo.SourceSalesforce, 0.9, 0.9},
		{demo.SourceSlack, 0.9, 0.9},
	} {
		c := per[want.source]
		if p, r := ratio(c.tp, c.fp), ratio(c.tp, c.fn); p < want.precision || r < want.recall {
			t.Errorf("%s: discovery precision %.3f, recall %.3f; want >= %.2f and >= %.2f",
				tn.Sources[want.source].Name, p, r, want.precision, want.recall)
		}
	}
	p, r := ratio(all.tp, all.fp), ratio(all.tp, all.fn)
	f1 := 2 * p * r / (p + r)
	t.Logf("%-17s F1 %.3f", "all sources", f1)
	if p < 0.98 || r < 0.97 || f1 < 0.98 {
		t.Errorf("all sources: discovery precision %.3f, recall %.3f, F1 %.3f; want >= 0.98, >= 0.97 and F1 >= 0.98", p, r, f1)
	}
}

// BenchmarkGenerate1M streams 1,000,000 AD accounts.
func BenchmarkGenerate1M(b *testing.B) {
	const n = 1_000_000
	cfg := demo.Config{Seed: 1, ADAccounts: n}
	b.ReportAllocs()
	for b.Loop() {
		count := 0
		if err := demo.GenerateAccounts(cfg, demo.SourceAD, func(*mica.Account, demo.Truth) error {
			count++
			return nil
		}); err != nil || count != n {
			b.Fatalf("%d accounts, %v", count, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/account")
}
