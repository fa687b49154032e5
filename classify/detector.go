package classify

import (
	"bytes"
	"strconv"
	"strings"
)

// detector reads one account's signals and, when explaining, their details.
type detector struct {
	a       *Account
	at      attrs
	hits    [2]uint64 // features found (bit f of hits[f/64])
	score   float64   // bias plus the weights of the features found
	w       *[nFeatures]float64
	explain bool
	details [nFeatures]string
	// What the name checks need of the person signals.
	skipLen    [2]int // the account's own given name and surname, folded, in skipBuf, when they name a person
	skipBuf    [2][24]byte
	nameKnown  bool // the account names a person (skip holds the names)
	personName bool // ... by a given name and surname
}

// hit records feature f; detail is called only when explaining.
func (d *detector) hit(f feature, detail func() string) {
	if d.hits[f/64]&(1<<(f%64)) != 0 {
		return
	}
	d.hits[f/64] |= 1 << (f % 64)
	d.score += d.w[f]
	if d.explain {
		d.details[f] = detail()
	}
}

// has reports whether feature f was found.
func (d *detector) has(f feature) bool { return d.hits[f/64]&(1<<(f%64)) != 0 }

// userAccountControl bits (MS-ADTS 2.2.16).
const (
	uacAccountDisable     = 0x0002
	uacPasswdNotReqd      = 0x0020
	uacPasswdCantChange   = 0x0040
	uacInterdomainTrust   = 0x0800
	uacWorkstationTrust   = 0x1000
	uacServerTrust        = 0x2000
	uacDontExpirePassword = 0x10000
	uacSmartcardRequired  = 0x40000
	uacTrustedDelegation  = 0x80000
	uacNotDelegated       = 0x100000
	uacTrustedToAuth      = 0x1000000
)

// run checks every signal.
func (d *detector) run() {
	a := d.a
	d.at.read(a.Attributes)
	at := &d.at
	samKey, sam := at.key[sLogin], at.str(sLogin)
	if !asciiEqualFoldLower(samKey, "samaccountname") || sam == "" {
		samKey, sam = "name", a.Name
	}
	uac, hasUAC := intValue(at.val[sUAC])
	hasUAC = hasUAC && at.has(sUAC)
	oc := at.val[sObjectClass]
	// Signals only Active Directory accounts carry are not held against others.
	adLike := samKey != "name" || at.has(sUAC) || oc != nil

	machineObject := d.objectKind(oc, uac, hasUAC, samKey, sam)
	wellKnown := d.wellKnownName(samKey, sam)
	botName := false
	if !adLike { // Entra ID and SaaS objects: AD objects carry none of these
		d.application()
		botName = d.bot()
		d.systemUserType()
		d.profile()
		d.guest()
	}
	if !machineObject && at.has(sSPN) {
		spn := at.val[sSPN]
		d.hit(fSPN, func() string {
			detail := "servicePrincipalName " + quote(firstString(spn))
			if n := countValues(spn); n > 1 {
				detail += " and " + strconv.Itoa(n-1) + " more"
			}
			return detail + " on a user object"
		})
	}
	d.mailboxObject()
	d.container()
	if hasUAC {
		d.uacFlags(uac)
	}
	d.flags()
	if pp := at.str(sPasswordPolicies); containsASCIIFold(pp, "disablepasswordexpiration") {
		d.hit(fPwdNeverExpires, func() string { return at.key[sPasswordPolicies] + " " + quote(pp) })
	}
	d.personNames()
	if !wellKnown && !botName { // a built-in's or a [bot]'s name would only match again
		d.names()
	}
	d.displayName()
	d.description()
	d.typeAttr()
	d.activity()
	d.personAttrs()
	d.context()
}

// uacFlags reads the userAccountControl flags other than the object kind.
func (d *detector) uacFlags(uac int64) {
	flag := func(f feature, bits int64, what string) {
		if uac&bits != 0 {
			d.hit(f, func() string { return "userAccountControl " + strconv.FormatInt(uac, 10) + " has " + what })
		}
	}
	flag(fPwdNeverExpires, uacDontExpirePassword, "DONT_EXPIRE_PASSWORD (0x10000)")
	flag(fPwdCantChange, uacPasswdCantChange, "PASSWD_CANT_CHANGE (0x40)")
	flag(fPwdNotRequired, uacPasswdNotReqd, "PASSWD_NOTREQD (0x20)")
	flag(fDelegation, uacTrustedDelegation|uacTrustedToAuth, "a delegation trust (0x80000 or 0x1000000)")
	flag(fSmartcard, uacSmartcardRequired, "SMARTCARD_REQUIRED (0x40000)")
	flag(fNotDelegated, uacNotDelegated, "NOT_DELEGATED (0x100000)")
	flag(fDisabled, uacAccountDisable, "ACCOUNTDISABLE (0x2)")
}

// flags reads the account flags as PowerShell's Get-ADUser and other exports
// write them: PasswordNeverExpires True, TrustedForDelegation True, ...
func (d *detector) flags() {
	at := &d.at
	for _, x := range [...]struct {
		s    slot
		f    feature
		want bool
	}{
		{sFlagPwdNeverExpires, fPwdNeverExpires, true}, {sFlagPwdNotRequired, fPwdNotRequired, true},
		{sFlagDelegation, fDelegation, true}, {sFlagCantChange, fPwdCantChange, true},
		{sFlagSmartcard, fSmartcard, true}, {sFlagNotDelegated, fNotDelegated, true}, {sEnabled, fDisabled, false},
	} {
		if b, ok := boolValue(at.val[x.s]); ok && b == x.want && at.has(x.s) {
			d.hit(x.f, func() string { return at.key[x.s] + " " + quote(firstString(at.val[x.s])+boolText(at.val[x.s])) })
		}
	}
}

// boolText renders a JSON boolean for a detail ("" for strings).
func boolText(v any) string {
	if b, ok := v.(bool); ok {
		return strconv.FormatBool(b)
	}
	return ""
}

// enabled reports whether the account is known to be enabled, and whether it is known at all.
func (d *detector) enabled() (enabled, known bool) {
	at := &d.at
	if b, ok := boolValue(at.val[sEnabled]); ok {
		return b, true
	}
	if uac, ok := intValue(at.val[sUAC]); ok && at.has(sUAC) {
		return uac&uacAccountDisable == 0, true
	}
	return false, false
}

// mailboxObject reads Exchange's recipient type: shared, room and equipment
// mailboxes (msExchRecipientTypeDetails 4, 16, 32 and their remote forms;
// RecipientTypeDetails SharedMailbox, RoomMailbox, EquipmentMailbox; Graph's
// userPurpose shared, room, equipment).
func (d *detector) mailboxObject() {
	at := &d.at
	if !at.has(sRecipientType) {
		return
	}
	v := at.val[sRecipientType]
	what := ""
	if n, ok := intValue(v); ok {
		switch n {
		case 4, 34359738368:
			what = "a shared mailbox"
		case 16, 8589934592:
			what = "a room mailbox"
		case 32, 17179869184:
			what = "an equipment mailbox"
		}
	} else if s := firstString(v); s != "" {
		switch {
		case containsASCIIFold(s, "shared"):
			what = "a shared mailbox"
		case containsASCIIFold(s, "room"):
			what = "a room mailbox"
		case containsASCIIFold(s, "equipment"):
			what = "an equipment mailbox"
		}
	}
	if what != "" {
		d.hit(fMailboxObject, func() string { return at.key[sRecipientType] + " " + quote(firstString(v)+valueText(v)) + ": " + what })
	}
}

// valueText renders a number for a detail ("" for strings, which firstString gave).
func valueText(v any) string {
	if _, ok := v.(string); ok {
		return ""
	}
	if n, ok := intValue(v); ok {
		return strconv.FormatInt(n, 10)
	}
	return ""
}

// container reads the parent OUs and CNs of the account's distinguished name.
func (d *detector) container() {
	at := &d.at
	dnKey, dn := at.key[sDN], at.str(sDN)
	if dn == "" && strings.Contains(d.a.NativeIdentity, "=") {
		dnKey, dn = "nativeIdentity", d.a.NativeIdentity
	}
	if dn == "" {
		return
	}
	var found [6]string // per container feature, the RDN that showed it
	first := true
	for len(dn) > 0 {
		end := 0
		for end < len(dn) && dn[end] != ',' {
			if dn[end] == '\\' {
				end++
			}
			end++
		}
		end = min(end, len(dn))
		rdn := strings.TrimSpace(dn[:end])
		if end < len(dn) {
			dn = dn[end+1:]
		} else {
			dn = ""
		}
		if first {
			first = false // the object itself
			continue
		}
		if !hasPrefixASCIIFold(rdn, "ou=") && !hasPrefixASCIIFold(rdn, "cn=") {
			continue
		}
		ni := scanWords(rdn[3:], false, noSkip)
		c := ni.classes
		// A container of service accounts says so: Service Accounts,
		// Dienstkonten, Comptes techniques, Robots, SVC. A department's OU
		// (Information Services, IT Services) is not one.
		if c&(wcService|wcSystem|wcApp|wcJob|wcSync) != 0 && (c&wcAccount != 0 || ni.tokens == 1) || c&wcBot != 0 {
			c |= wcService
		} else {
			c &^= wcService | wcSystem | wcApp | wcJob | wcSync
		}
		for i, m := range [6]uint32{wcService, wcMailbox | wcResource | wcShared, wcTemplate, wcTest, wcPerson, wcAdmin} {
			if c&m != 0 && found[i] == "" {
				found[i] = rdn
			}
		}
	}
	for i, f := range [6]feature{fContainerService, fContainerMailbox, fContainerTemplate, fContainerTest, fContainerPeople, fContainerAdmin} {
		if rdn := found[i]; rdn != "" {
			d.hit(f, func() string { return dnKey + " is under " + quote(rdn) })
		}
	}
}

// personNames decides whether the account names a person, and remembers the
// given name and surname so that the name checks skip them: "Steven Service"
// is a person whose surname is a word, "Integration User" a system described
// as a name. The names come from the given name and surname, or, when the
// account has neither, from a display name of two or three plain words
// ("Kenji Tanaka", "Tanaka, Kenji") before any parenthesis, or from a mail
// address shaped first.last@.
func (d *detector) personNames() {
	g, s := d.at.str(sGiven), d.at.str(sSurname)
	fromAttrs := g != "" && s != ""
	if !fromAttrs {
		if g != "" || s != "" {
			return
		}
		disp := d.at.str(sDisplay)
		if i := strings.IndexByte(disp, '('); i >= 0 {
			disp = disp[:i]
		}
		var ok bool
		if g, s, ok = splitName(disp); !ok {
			// A mail address first.last@ names a person too.
			m := d.at.str(sMail)
			at := strings.IndexByte(m, '@')
			if at <= 0 || strings.Count(m[:at], ".") != 1 {
				return
			}
			if g, s, ok = splitName(m[:at]); !ok {
				return
			}
		}
	}
	gf := foldToken(d.skipBuf[0][:], firstToken(g))
	sf := foldToken(d.skipBuf[1][:], lastToken(s))
	if gf == nil || sf == nil || len(gf) == 0 || len(sf) == 0 || wordClasses(gf) != 0 ||
		scanWords(g, false, noSkip).classes&machineClasses != 0 {
		return // a given name that is a word of the lexicon does not name a person
	}
	// A placeholder (John Doe), a persona (Bernd Bestellung, ED Demo) or a
	// surname that is a machine word's abbreviation (Epic Svc) is not a
	// person's name: it says so, and the names are read as they are.
	if isPlaceholder(gf, sf) {
		d.hit(fPlaceholderName, func() string { return quote(g+" "+s) + " is a placeholder name" })
		return
	}
	if c := wordClasses(sf); c&personaClasses != 0 || c&machineClasses != 0 && len(sf) <= 3 {
		d.hit(fPersonaName, func() string { return "the surname " + quote(s) + " is a word, not a name: a persona" })
		return
	}
	d.nameKnown, d.personName = true, fromAttrs
	d.skipLen = [2]int{len(gf), len(sf)}
}

// personaClasses are the word classes of a surname that make a persona of a
// person's name: business processes and documents, tests, templates,
// mailboxes and rooms ("Bernd Bestellung", "Pharmacist Training"). Words that
// are also people's surnames (Service, Robot, Bott) do not count.
const personaClasses = wcBusiness | wcTest | wcTemplate | wcMailbox | wcResource

// placeholders are the names that stand for "anyone" in forms and examples,
// by surname (folded) with the given names they go with ("" any).
var placeholders = [...]struct{ surname, given string }{
	{"doe", ""}, {"roe", "richard"}, {"roe", "jane"}, {"mustermann", ""}, {"musterfrau", ""},
	{"normalverbraucher", ""}, {"dupont", "jean"}, {"dupont", "jeanne"}, {"perez", "juan"}, {"rossi", "mario"},
	{"bloggs", ""}, {"kowalski", "jan"}, {"jansen", "jan"}, {"janssen", "jan"}, {"public", "john"},
	{"citizen", "john"}, {"muster", "hans"}, {"svensson", "sven"}, {"nordmann", "ola"}, {"nordmann", "kari"},
	{"silva", "fulano"}, {"tal", "fulano"}, {"sample", ""}, {"example", ""}, {"beispiel", ""},
}

// isPlaceholder reports whether a folded given name and surname are a placeholder name.
func isPlaceholder(given, surname []byte) bool {
	for _, p := range placeholders {
		if string(surname) == p.surname && (p.given == "" || string(given) == p.given) {
			return true
		}
	}
	return false
}

// splitName splits a person's name of two or three plain words into the
// given name and the surname ("Kenji Tanaka", "Tanaka, Kenji", "DURAND Marie",
// "kenji.tanaka"). Words joined by hyphens or underscores (EDI-AGIRA) and
// names in capitals only (SQL SERVICE) are not people's names.
func splitName(name string) (given, surname string, ok bool) {
	if strings.IndexByte(name, ' ') < 0 && strings.Count(name, ".") != 1 || !hasLower(name) {
		return "", "", false
	}
	words := 0
	for i := 0; i < len(name); {
		start, end := nextToken(name, i)
		if start == end {
			break
		}
		i = end
		if byteClass(name[start]) == classDigit {
			return "", "", false
		}
		words++
		if words == 1 {
			given = name[start:end]
		}
		surname = name[start:end]
	}
	if words < 2 || words > 3 {
		return "", "", false
	}
	if strings.IndexByte(name, ',') >= 0 {
		given, surname = surname, given
	}
	return given, surname, true
}

// hasLower reports whether s has a lower-case ASCII letter or a non-ASCII byte.
func hasLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' || s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// firstToken and lastToken return the first and last token of s.
func firstToken(s string) string {
	start, end := nextToken(s, 0)
	return s[start:end]
}

func lastToken(s string) string {
	last := ""
	for i := 0; i < len(s); {
		start, end := nextToken(s, i)
		if start == end {
			break
		}
		last, i = s[start:end], end
	}
	return last
}

// names reads the account's names: what their words say, their shape and
// whether they are made of the person's own name.
func (d *detector) names() {
	a, at := d.a, &d.at
	var ni nameInfo
	type src struct{ key, val string }
	var srcs [4]src
	n := 0
	add := func(key, val string) {
		if at := strings.IndexByte(val, '@'); at >= 0 {
			val = val[:at]
		}
		val = strings.TrimSuffix(val, "$")
		if val == "" {
			return
		}
		for _, s := range srcs[:n] {
			if strings.EqualFold(s.val, val) {
				return
			}
		}
		srcs[n] = src{key, val}
		n++
	}
	if at.has(sLogin) {
		add(at.key[sLogin], at.str(sLogin))
	}
	add("name", a.Name)
	if at.has(sUPN) {
		add(at.key[sUPN], at.str(sUPN))
	}
	var per [4]nameInfo
	for i, s := range srcs[:n] {
		per[i] = scanWords(s.val, true, d.skipPtr())
		ni.classes |= per[i].classes
		ni.numbered = ni.numbered || per[i].numbered
	}
	explainWord := func(classes uint32, what string) func() string {
		return func() string {
			for i, s := range srcs[:n] {
				if per[i].classes&classes != 0 {
					if w := firstWordOf(s.val, classes, true, d.skipPtr()); w != "" {
						return s.key + " " + quote(s.val) + " " + what + " (" + quote(w) + ")"
					}
					return s.key + " " + quote(s.val) + " " + what
				}
			}
			return what
		}
	}
	for _, x := range [...]struct {
		f       feature
		classes uint32
		what    string
	}{
		{fNameService, wcService, "names a service"},
		{fNameApp, wcApp | wcSync, "names an application or integration"},
		{fNameJob, wcJob, "names automated work"},
		{fNameBot, wcBot, "names a bot"},
		{fNameMailbox, wcMailbox | wcFunction | wcShared, "names a functional mailbox"},
		{fNameResource, wcResource, "names a room or equipment"},
		{fNameTemplate, wcTemplate, "names a template"},
		{fNameTest, wcTest, "names a test or training account"},
		{fNameSystem, wcSystem | wcInfra, "names a system or software"},
		{fNameEnv, wcEnv, "carries an environment"},
		{fNameAdmin, wcAdmin, "marks a privileged account"},
	} {
		if ni.classes&x.classes != 0 {
			d.hit(x.f, explainWord(x.classes, x.what))
		}
	}
	for _, s := range srcs[:n] {
		if isNoReply(s.val) {
			d.hit(fNoReply, func() string { return s.key + " " + quote(s.val) + " is a noreply address" })
			break
		}
	}
	if ni.numbered && ni.classes&machineClasses != 0 {
		d.hit(fNameNumbered, func() string {
			for i, s := range srcs[:n] {
				if per[i].numbered {
					return s.key + " " + quote(s.val) + " ends in an instance number"
				}
			}
			return "ends in an instance number"
		})
	}
	if d.nameKnown && n > 0 {
		for _, s := range srcs[:n] {
			if madeOfName(s.val, d.skipPtr()) {
				d.hit(fNamePerson, func() string {
					return s.key + " " + quote(s.val) + " is made of the given name and surname"
				})
				break
			}
		}
	}
}

// skipPtr returns the person's name tokens to skip, or none.
func (d *detector) skipPtr() [2][]byte {
	if !d.nameKnown {
		return noSkip
	}
	return [2][]byte{d.skipBuf[0][:d.skipLen[0]], d.skipBuf[1][:d.skipLen[1]]}
}

// isNoReply reports whether s is a noreply name (noreply, no-reply, do_not_reply, ...).
func isNoReply(s string) bool {
	if !containsASCIIFold(s, "reply") {
		return false
	}
	for _, p := range noReply {
		if containsASCIIFold(s, p) {
			return true
		}
	}
	return false
}

var noReply = [...]string{"noreply", "no-reply", "no_reply", "no.reply", "donotreply", "do-not-reply", "do_not_reply", "do.not.reply"}

// madeOfName reports whether login s is built from the surname (folded, at
// least two letters) and the given name or its initial: jsmith, smithj,
// john.smith, smith_john, jsmith2, adm-jsmith (tokens that mark a privileged
// account or an environment are left out).
func madeOfName(s string, name [2][]byte) bool {
	var buf [64]byte
	var tb [32]byte
	n := 0
	for i := 0; i < len(s); {
		start, end := nextToken(s, i)
		if start == end {
			break
		}
		i = end
		f := foldToken(tb[:], s[start:end])
		if f == nil || byteClass(f[0]) == classDigit || wordClasses(f)&(wcAdmin|wcEnv) != 0 && tokenCount(s) > 1 {
			continue
		}
		if n+len(f) > len(buf) {
			return false
		}
		n += copy(buf[n:], f)
	}
	l, given, sur := buf[:n], name[0], name[1]
	if len(sur) < 2 || len(given) < 1 {
		return false
	}
	i := bytes.Index(l, sur)
	if i < 0 {
		return false
	}
	// What is left around the surname is the given name or its initial.
	var rb [64]byte
	rest := append(append(rb[:0], l[:i]...), l[i+len(sur):]...)
	return len(rest) == 0 || bytes.HasPrefix(given, rest) || bytes.HasPrefix(rest, given)
}

// tokenCount returns how many tokens s has.
func tokenCount(s string) int {
	n := 0
	for i := 0; i < len(s); {
		start, end := nextToken(s, i)
		if start == end {
			break
		}
		i = end
		n++
	}
	return n
}

// displayName reads the display name (or the common name): whether it
// describes a system, is just the login, or is the person's name. A
// parenthesis after a person's name ("Jane Doe (Cloud Admin)") says what the
// person's account is for, not that it is a system's.
func (d *detector) displayName() {
	at := &d.at
	disp := at.str(sDisplay)
	key := at.key[sDisplay]
	if disp == "" {
		// A system described as a given name and surname ("Integration User").
		g, s := at.str(sGiven), at.str(sSurname)
		if g == "" && s == "" || d.nameKnown {
			return
		}
		disp, key = strings.TrimSpace(g+" "+s), "givenName and sn"
	}
	text := disp
	if i := strings.IndexByte(disp, '('); i > 0 && d.nameKnown {
		if c := scanWords(disp[i:], false, noSkip).classes; c&wcAdmin != 0 {
			d.hit(fNameAdmin, func() string { return key + " " + quote(disp) + " marks a privileged account" })
		}
		text = disp[:i]
	}
	ni := scanWords(text, false, d.skipPtr())
	if ni.classes&(machineClasses|wcEnv) != 0 && ni.classes&(wcPerson|wcRole) == 0 {
		d.hit(fDisplaySystem, func() string {
			return key + " " + quote(disp) + " describes a system (" + quote(firstWordOf(text, machineClasses|wcEnv, false, d.skipPtr())) + ")"
		})
	}
	login := d.a.Name
	if at.has(sLogin) {
		login = at.str(sLogin)
	}
	if login != "" && strings.EqualFold(strings.TrimSuffix(disp, "$"), strings.TrimSuffix(login, "$")) {
		d.hit(fDisplayIsLogin, func() string { return key + " " + quote(disp) + " is the login name" })
	}
	if d.nameKnown && ni.classes&machineClasses == 0 && containsFoldBytes(text, d.skipPtr()[0]) && containsFoldBytes(text, d.skipPtr()[1]) {
		d.hit(fDisplayPerson, func() string { return key + " " + quote(disp) + " is the person's name" })
	}
}

// containsFoldBytes reports whether s contains the folded word w, comparing
// folded tokens.
func containsFoldBytes(s string, w []byte) bool {
	var buf [32]byte
	for i := 0; i < len(s); {
		start, end := nextToken(s, i)
		if start == end {
			return false
		}
		i = end
		if f := foldToken(buf[:], s[start:end]); f != nil && string(f) == string(w) {
			return true
		}
	}
	return false
}

// description reads what the description says, in any of the lexicon's languages.
func (d *detector) description() {
	at := &d.at
	desc := at.str(sDescription)
	if desc == "" {
		return
	}
	key := at.key[sDescription]
	c := scanWords(desc, false, d.skipPtr()).classes
	person := c&(wcPerson|wcRole) != 0
	mention := func(classes uint32, what string) func() string {
		return func() string {
			w := firstWordOf(desc, classes, false, d.skipPtr())
			return key + " " + quote(desc) + " " + what + " (" + quote(w) + ")"
		}
	}
	const machine = wcService | wcApp | wcJob | wcBot | wcSystem | wcInfra | wcSync
	switch {
	case c&machine != 0 && person:
		d.hit(fDescMixed, mention(machine, "speaks of a machine and of a person"))
	case c&machine != 0:
		d.hit(fDescMachine, mention(machine, "speaks of a machine's work"))
	case person:
		d.hit(fDescPerson, mention(wcPerson|wcRole, "speaks of a person"))
	}
	if c&wcBot != 0 {
		d.hit(fDescBot, mention(wcBot, "speaks of a bot"))
	}
	if c&(wcApp|wcSync) != 0 && !person {
		d.hit(fDescApp, mention(wcApp|wcSync, "speaks of an application or integration"))
	}
	if c&(wcMailbox|wcResource|wcNoReply) != 0 && !person {
		d.hit(fDescMailbox, mention(wcMailbox|wcResource|wcNoReply, "speaks of a mailbox or resource"))
	}
	if c&wcTemplate != 0 {
		d.hit(fDescTemplate, mention(wcTemplate, "speaks of a template"))
	}
	if c&wcTest != 0 && !person {
		d.hit(fDescTest, mention(wcTest, "speaks of testing or training"))
	}
	if c&wcOwner != 0 {
		d.hit(fDescOwner, mention(wcOwner, "names an owner or contact"))
	}
	if c&wcPurpose != 0 || c&wcBusiness != 0 && !person {
		d.hit(fDescPurpose, mention(wcPurpose|wcBusiness, "says what it is used for"))
	}
	if c&wcAdmin != 0 {
		d.hit(fDescAdmin, mention(wcAdmin, "speaks of administration"))
	}
}

// typeAttr reads the type-like attributes (employeeType, type, accountType,
// userType, workerType, ...) by the meaning of their values.
func (d *detector) typeAttr() {
	at := &d.at
	var c uint32
	val := ""
	for _, v := range at.typeVals[:at.ntype] {
		s := firstString(v)
		if s == "" {
			continue
		}
		if cc := scanWords(s, false, noSkip).classes; cc != 0 {
			if val == "" || cc&machineClasses != 0 {
				val = s
			}
			c |= cc
		}
	}
	switch {
	case c&(machineClasses|wcAdmin) != 0 && c&wcPerson == 0:
		d.hit(fTypeMachine, func() string { return "type " + quote(val) + " says it is not a person's" })
	case c&wcPerson != 0 && c&machineClasses == 0:
		d.hit(fTypePerson, func() string { return "type " + quote(val) + " says a person" })
	}
}

// activity reads logons and password dates: never logged on (where the
// source's people log on), a password unchanged for years while logons go
// on, never set, an expiry date.
func (d *detector) activity() {
	at := &d.at
	logon, logonOK, logonNever := timeDays(at.val[sLastLogon])
	if (!at.has(sLastLogon) || logonNever) && d.a.Population.common(paLogon) {
		d.hit(fNeverLoggedOn, func() string { return "no last logon, where the source's people have one: never logged on" })
	}
	pwd, pwdOK, pwdNever := timeDays(at.val[sPwdLastSet])
	if at.has(sPwdLastSet) && pwdNever {
		d.hit(fPwdNeverSet, func() string { return at.key[sPwdLastSet] + " 0: the password was never set" })
	}
	if logonOK && pwdOK && logon-pwd >= 730 {
		d.hit(fPwdStale, func() string {
			return "the password (" + at.key[sPwdLastSet] + ") is " + strconv.FormatInt((logon-pwd)/365, 10) +
				" years older than the last logon (" + at.key[sLastLogon] + ")"
		})
	}
	if _, ok, never := timeDays(at.val[sAccountExpires]); ok && !never {
		d.hit(fAccountExpires, func() string { return at.key[sAccountExpires] + " sets an expiry date" })
	}
}

// personAttrs reads the attributes people have, both ways. A missing one
// counts only where most of the source's people (its correlated accounts, the
// population) carry it: a source that exports no manager, or whose people
// have none, says nothing by its absence; without a population, no absence
// counts.
func (d *detector) personAttrs() {
	at := &d.at
	pop := d.a.Population
	expects := pop.common
	g, s := at.has(sGiven), at.has(sSurname)
	switch {
	case g && s && d.personName:
		d.hit(fPersonName, func() string {
			return at.key[sGiven] + " " + quote(at.str(sGiven)) + " and " + at.key[sSurname] + " " + quote(at.str(sSurname)) + " name a person"
		})
	case !g && !s && expects(paName):
		d.hit(fNoPersonName, func() string { return "no given name or surname" })
	}
	for _, x := range [...]struct {
		s             slot
		pa            int
		present, miss feature
		name          string
	}{
		{sManager, paManager, fManager, fNoManager, "manager"},
		{sEmployeeID, paEmployeeID, fEmployeeID, fNoEmployeeID, "employee id"},
	} {
		if at.has(x.s) {
			d.hit(x.present, func() string { return at.key[x.s] + " " + quote(at.str(x.s)+valueText(at.val[x.s])) })
		} else if expects(x.pa) {
			d.hit(x.miss, func() string { return "no " + x.name })
		}
	}
	d.mail(expects(paMail))
	if at.has(sTitle) {
		title := at.str(sTitle)
		// A title describes a machine when it names a kind of account (Service
		// Account, Technischer Benutzer, Compte technique) or a bot (Digital
		// Colleague); a title with a machine word is otherwise a person's job
		// (Scheduler, Testeur, Technischer Zeichner).
		if c := scanWords(title, false, noSkip).classes; (c&wcBot != 0 ||
			c&(wcService|wcSystem|wcApp|wcTest|wcTemplate|wcJob) != 0 && c&wcAccount != 0) && c&(wcPerson|wcRole|wcAdmin) == 0 {
			d.hit(fTitleMachine, func() string { return at.key[sTitle] + " " + quote(title) + " describes a machine, not a job" })
		} else {
			d.hit(fJobTitle, func() string { return at.key[sTitle] + " " + quote(title) })
		}
	}
	if at.has(sDepartment) {
		d.hit(fDepartment, func() string { return at.key[sDepartment] + " " + quote(at.str(sDepartment)) })
	}
	if at.has(sPhone) {
		d.hit(fPhone, func() string { return at.key[sPhone] + " " + quote(at.str(sPhone)+valueText(at.val[sPhone])) })
	}
	if at.has(sOwner) {
		d.hit(fOwner, func() string { return at.key[sOwner] + " " + quote(at.str(sOwner)) })
	}
}

// mail reads the mail address: a person's, a function's (alerts@, on an
// account without a person's name or title, unless shaped first.last), or none.
func (d *detector) mail(expected bool) {
	at := &d.at
	if !at.has(sMail) {
		if expected {
			d.hit(fNoMail, func() string { return "no mail address" })
		}
		return
	}
	addr := at.str(sMail)
	local := addr
	if i := strings.IndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	if !d.nameKnown && !at.has(sTitle) && strings.IndexByte(local, '.') < 0 {
		if c := scanWords(local, true, noSkip).classes; c&machineClasses != 0 || isNoReply(local) {
			d.hit(fFunctionalMail, func() string {
				return at.key[sMail] + " " + quote(addr) + " is a functional mailbox, not a person's"
			})
			return
		}
	}
	d.hit(fMail, func() string { return at.key[sMail] + " " + quote(addr) })
}

// context reads what the caller knows beyond the account: correlation to an
// identity, and how the source names its people.
func (d *detector) context() {
	a := d.a
	switch a.Correlation {
	case Correlated:
		d.hit(fCorrelated, func() string { return "correlated to an identity" })
	case Uncorrelated:
		if a.Population.known() { // a source whose accounts correlate at all
			d.hit(fUncorrelated, func() string { return "correlated to no identity, where the source's people are" })
		}
	case CorrelatedLeaver:
		d.hit(fCorrelatedLeaver, func() string { return "correlated to an identity whose person left" })
		logon, ok, _ := timeDays(d.at.val[sLastLogon])
		if ok && a.IdentityLeft > 0 && logon > a.IdentityLeft+7 {
			d.hit(fUsedAfterLeaving, func() string {
				return "last logon (" + d.at.key[sLastLogon] + ") " + strconv.FormatInt(logon-a.IdentityLeft, 10) +
					" days after the person left"
			})
		}
		if en, known := d.enabled(); known && en {
			d.hit(fLeaverEnabled, func() string { return "enabled, though the person it correlates to left" })
		}
	}
	if a.Correlation == Uncorrelated && a.Population.known() && d.personName && (d.at.has(sManager) || d.at.has(sDepartment)) &&
		!d.has(fAccountExpires) && !d.has(fTypePerson) && !d.has(fGuest) {
		d.hit(fStaffUnknownToHR, func() string {
			return "a person's name with a department or manager, no expiry, yet correlated to no identity"
		})
	}
	pop := a.Population
	if !pop.known() {
		return
	}
	login := loginOf(a, &d.at)
	sh := nameShape(login)
	share := pop.shareOf(sh)
	switch {
	case share >= shapeFits:
		d.hit(fNameFits, func() string {
			return "name " + quote(login) + " has the shape " + shapeString(sh) + " of " +
				strconv.Itoa(int(share*100+0.5)) + " % of the source's people"
		})
	case share < shapeDeparts:
		d.hit(fNameDeparts, func() string {
			return "name " + quote(login) + " has the shape " + shapeString(sh) + ", which " +
				strconv.Itoa(int(pop.shapes[sh])) + " of the source's " + strconv.Itoa(pop.people) +
				" people have (most have " + shapeString(pop.top) + ")"
		})
	}
}

// timeDays reads a timestamp as days since 1970-01-01: a Windows FILETIME
// (100 ns since 1601, as AD's pwdLastSet, lastLogonTimestamp and
// accountExpires are), Unix seconds or milliseconds, an ISO 8601 date or time
// (2026-01-08, 2026-01-08T10:18:27Z), or an LDAP generalized time
// (20210412093015.0Z). never is true for 0 and AD's "never" (2^63-1).
func timeDays(v any) (days int64, ok, never bool) {
	if v == nil {
		return 0, false, false
	}
	if n, isNum := intValue(v); isNum {
		switch {
		case n == 0 || n == 9223372036854775807:
			return 0, false, true
		case n >= 1e16: // FILETIME
			return (n/10_000_000 - 11644473600) / 86400, true, false
		case n >= 1e12 && n < 1e14: // Unix ms
			return n / 1000 / 86400, true, false
		case n >= 1e8 && n < 1e11: // Unix s
			return n / 86400, true, false
		}
		if len(firstString(v)) == 8 { // 20210412
			return civilDays(n/10000, (n/100)%100, n%100)
		}
		return 0, false, false
	}
	s := firstString(v)
	if len(s) < 8 {
		return 0, false, false
	}
	digits := func(t string) (int64, bool) { return parseDecimal(t) }
	if s[4] == '-' && len(s) >= 10 && s[7] == '-' {
		y, ok1 := digits(s[0:4])
		m, ok2 := digits(s[5:7])
		dd, ok3 := digits(s[8:10])
		if ok1 && ok2 && ok3 {
			return civilDays(y, m, dd)
		}
		return 0, false, false
	}
	if len(s) >= 10 && (s[2] == '.' || s[2] == '/') && s[5] == s[2] { // 29.06.2025, 15/03/2020 (day first)
		dd, ok1 := digits(s[0:2])
		m, ok2 := digits(s[3:5])
		y, ok3 := digits(s[6:10])
		if s[2] == '/' && m > 12 && dd <= 12 { // 03/15/2020 (month first)
			dd, m = m, dd
		}
		if ok1 && ok2 && ok3 {
			return civilDays(y, m, dd)
		}
		return 0, false, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[4:6])
	dd, ok3 := digits(s[6:8])
	if ok1 && ok2 && ok3 {
		return civilDays(y, m, dd)
	}
	return 0, false, false
}

// civilDays returns the days from 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil).
func civilDays(y, m, d int64) (int64, bool, bool) {
	if y < 1601 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 {
		return 0, false, false
	}
	if y >= 9999 {
		return 0, false, true
	}
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468, true, false
}
