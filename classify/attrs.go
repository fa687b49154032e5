package classify

// Attributes are read by meaning: each attribute name is normalised (lower
// case, letters and digits only, so first_name, FirstName and "First Name" are
// one) and looked up in a table of what it means, whatever the connector.

// slot is the meaning of an attribute.
type slot uint8

const (
	sLogin slot = iota
	sUPN
	sDisplay
	sGiven
	sSurname
	sMail
	sManager
	sEmployeeID
	sTitle
	sDepartment
	sPhone
	sDescription
	sOwner
	sType
	sDN
	sObjectClass
	sObjectCategory
	sUAC
	sSPN
	sPwdLastSet
	sLastLogon
	sAccountExpires
	sRecipientType
	sPasswordPolicies
	sEnabled
	sFlagPwdNeverExpires
	sFlagPwdNotRequired
	sFlagDelegation
	sFlagCantChange
	sFlagSmartcard
	sFlagNotDelegated
	nSlots
)

// slotKeys lists, per meaning, the normalised attribute names that carry it, in
// order of preference: when an account has several, the first listed wins.
var slotKeys = [nSlots]string{
	sLogin:            "samaccountname uid login username userid accountname logonname loginname mailnickname handle screenname user",
	sUPN:              "userprincipalname upn",
	sDisplay:          "displayname realname fullname cn commonname",
	sGiven:            "givenname firstname fname forename vorname prenom nombre",
	sSurname:          "sn surname lastname familyname lname nachname nom apellido apellidos",
	sMail:             "mail email emailaddress primaryemail mailaddress workemail",
	sManager:          "manager managerid manageremail managername managerdn managerlogin supervisor reportsto linemanager vorgesetzter",
	sEmployeeID:       "employeeid employeenumber employeeno empid empno personnelnumber personalnummer staffid staffnumber workerid badgeid badgenumber hrid matricule",
	sTitle:            "title jobtitle position jobtitel",
	sDepartment:       "department dept division costcenter abteilung departement departamento",
	sPhone:            "telephonenumber mobile phone phonenumber mobilephone businessphones mobilenumber telephone ipphone homephone cell",
	sDescription:      "description desc comment comments notes note info purpose remarks",
	sOwner:            "owner owners managedby owneremail ownerid accountowner technicalowner businessowner responsible sponsor custodian steward",
	sType:             "employeetype type accounttype usertype workertype kind category accountcategory identitytype principaltype persontype usercategory employeecategory",
	sDN:               "distinguishedname dn entrydn",
	sObjectClass:      "objectclass",
	sObjectCategory:   "objectcategory",
	sUAC:              "useraccountcontrol",
	sSPN:              "serviceprincipalname",
	sPwdLastSet:       "pwdlastset passwordlastset lastpasswordchangedatetime passwordlastchanged passwordchanged lastpasswordchangedate pwdchanged",
	sLastLogon:        "lastlogontimestamp lastlogon lastlogondate lastsignindatetime lastlogindate lastlogin lastsignin lastactivity lastseen",
	sAccountExpires:   "accountexpires accountexpirationdate expirationdate expires validuntil",
	sRecipientType:    "msexchrecipienttypedetails recipienttypedetails mailboxtype recipienttype userpurpose",
	sPasswordPolicies: "passwordpolicies",
	// Flags as PowerShell's Get-ADUser and other exports write them (True/False).
	sEnabled:             "enabled accountenabled isactive",
	sFlagPwdNeverExpires: "passwordneverexpires",
	sFlagPwdNotRequired:  "passwordnotrequired",
	sFlagDelegation:      "trustedfordelegation trustedtoauthfordelegation",
	sFlagCantChange:      "cannotchangepassword",
	sFlagSmartcard:       "smartcardlogonrequired",
	sFlagNotDelegated:    "accountnotdelegated",
}

// slotIndex maps a normalised attribute name to its meaning and rank (the
// position of the name in its slotKeys list, 0 first).
var slotIndex = func() map[string]uint16 {
	m := map[string]uint16{}
	for s, keys := range slotKeys {
		rank, start := 0, -1
		for i := 0; i <= len(keys); i++ {
			if i < len(keys) && keys[i] != ' ' {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 {
				m[keys[start:i]] = uint16(s)<<8 | uint16(rank)
				rank++
				start = -1
			}
		}
	}
	return m
}()

// attrs holds, per meaning, the account's attribute that carries it.
type attrs struct {
	key  [nSlots]string
	val  [nSlots]any
	rank [nSlots]uint8
	// typeVals has every value of the type-like attributes (employeeType and
	// type may both be set, and both count).
	typeVals [4]any
	ntype    int
}

// read fills at from an account's attributes: one pass over the map, one
// lookup per attribute. Absent, null and blank values are skipped.
func (at *attrs) read(m map[string]any) {
	var buf [32]byte
	for k, v := range m {
		if len(k) > 40 {
			continue
		}
		n := 0
		for i := 0; i < len(k) && n < len(buf); i++ {
			c := k[i]
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			default:
				continue
			}
			buf[n] = c
			n++
		}
		e, ok := slotIndex[string(buf[:n])]
		if !ok || !present(v) {
			continue
		}
		s, rank := slot(e>>8), uint8(e)+1
		if s == sType && at.ntype < len(at.typeVals) {
			at.typeVals[at.ntype] = v
			at.ntype++
		}
		if at.rank[s] == 0 || rank < at.rank[s] || rank == at.rank[s] && k < at.key[s] {
			at.key[s], at.val[s], at.rank[s] = k, v, rank
		}
	}
}

// str returns the first string value of slot s, or "".
func (at *attrs) str(s slot) string { return firstString(at.val[s]) }

// has reports whether slot s has a value.
func (at *attrs) has(s slot) bool { return at.rank[s] != 0 }
