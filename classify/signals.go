package classify

// Discovery signal names ([Signal.Name]): one per piece of evidence. What each
// means, which way it points and its weight are listed by [Signals].
const (
	// Object kinds and platform facts.
	SignalManagedServiceAccount = "managedServiceAccount"
	SignalComputerAccount       = "computerAccount"
	SignalBuiltInAccount        = "builtInAccount"
	SignalSyncAccount           = "directorySyncAccount"
	SignalServicePrincipal      = "servicePrincipal"
	SignalBotAccount            = "botAccount"
	SignalSystemUserType        = "systemUserType"
	SignalIntegrationProfile    = "integrationProfile"
	SignalProfileNamed          = "integrationProfileName"
	SignalMailboxObject         = "mailboxObject"
	SignalServicePrincipalName  = "servicePrincipalName"
	SignalGuestUser             = "guestUser"

	// The account's name.
	SignalNameService     = "nameService"
	SignalNameApplication = "nameApplication"
	SignalNameJob         = "nameJob"
	SignalNameBot         = "nameBot"
	SignalNameMailbox     = "nameMailbox"
	SignalNameResource    = "nameResource"
	SignalNameTemplate    = "nameTemplate"
	SignalNameTest        = "nameTest"
	SignalNameSystem      = "nameSystem"
	SignalNameEnvironment = "nameEnvironment"
	SignalNameNumbered    = "nameNumbered"
	SignalNameAdmin       = "nameAdmin"
	SignalNamePerson      = "nameFromPersonName"
	SignalNameFitsPeople  = "nameFitsPeople"
	SignalNameDeparts     = "nameDepartsFromPeople"

	// Display name, description, type and container.
	SignalDisplaySystem      = "displayNameSystem"
	SignalDisplayIsLogin     = "displayNameIsLogin"
	SignalDisplayPerson      = "displayNamePerson"
	SignalDescriptionMachine = "descriptionMachine"
	SignalDescriptionMixed   = "descriptionMachineAndPerson"
	SignalDescriptionBot     = "descriptionBot"
	SignalDescriptionApp     = "descriptionApplication"
	SignalDescriptionMailbox = "descriptionMailbox"
	SignalDescriptionTmpl    = "descriptionTemplate"
	SignalDescriptionTest    = "descriptionTest"
	SignalDescriptionOwner   = "descriptionOwner"
	SignalDescriptionPurpose = "descriptionPurpose"
	SignalDescriptionPerson  = "descriptionPerson"
	SignalDescriptionAdmin   = "descriptionAdmin"
	SignalTypeMachine        = "typeMachine"
	SignalTypePerson         = "typePerson"
	SignalServiceContainer   = "serviceAccountContainer"
	SignalMailboxContainer   = "mailboxContainer"
	SignalTemplateContainer  = "templateContainer"
	SignalTestContainer      = "testContainer"
	SignalPeopleContainer    = "peopleContainer"
	SignalAdminContainer     = "adminContainer"

	// userAccountControl and activity.
	SignalPasswordNeverExpires = "passwordNeverExpires"
	SignalPasswordCantChange   = "passwordCantChange"
	SignalPasswordNotRequired  = "passwordNotRequired"
	SignalDelegation           = "trustedForDelegation"
	SignalSmartcardRequired    = "smartcardRequired"
	SignalNotDelegated         = "sensitiveNotDelegated"
	SignalDisabled             = "accountDisabled"
	SignalNeverLoggedOn        = "neverLoggedOn"
	SignalPasswordStale        = "passwordOldLogonsRecent"
	SignalPasswordNeverSet     = "passwordNeverSet"
	SignalAccountExpires       = "accountExpires"

	// Person attributes, present or missing.
	SignalPersonName       = "personName"
	SignalNoPersonName     = "noPersonName"
	SignalManager          = "manager"
	SignalNoManager        = "noManager"
	SignalEmployeeID       = "employeeId"
	SignalNoEmployeeID     = "noEmployeeId"
	SignalMail             = "mail"
	SignalNoMail           = "noMail"
	SignalFunctionalMail   = "functionalMail"
	SignalJobTitle         = "jobTitle"
	SignalDepartment       = "department"
	SignalPhone            = "phone"
	SignalOwner            = "owner"
	SignalCorrelated       = "correlated"
	SignalCorrelatedLeaver = "correlatedToLeaver"
	SignalUsedAfterLeaving = "usedAfterPersonLeft"
	SignalLeaverEnabled    = "enabledAfterPersonLeft"
	SignalPersonaName      = "personaName"
	SignalPlaceholderName  = "placeholderName"
	SignalTitleMachine     = "titleMachine"
	SignalStaffUnknownToHR = "staffUnknownToHR"
	SignalUncorrelated     = "uncorrelated"
	SignalNoReply          = "noReply"
)

// Subtypes: the kind of machine an account is ([Verdict.Subtype]).
const (
	SubtypeComputer              = "computer"
	SubtypeManagedServiceAccount = "managedServiceAccount" // gMSA or sMSA
	SubtypeService               = "service"
	SubtypeApplication           = "application" // application, integration, service principal
	SubtypeBot                   = "bot"         // bot or RPA runtime
	SubtypeMailbox               = "mailbox"     // shared or resource mailbox
	SubtypeTemplate              = "template"
	SubtypeTest                  = "test" // test or training
	SubtypeBuiltIn               = "builtIn"
	SubtypeDirectorySync         = "directorySync"
	SubtypeUnknown               = "unknown"
)

// feature indexes the signal table.
type feature uint8

// featureDef is one signal: its name, which way it may point, the weight it
// has before fitting (set by meaning), the kind of machine it points to, and
// what it means.
type featureDef struct {
	name    string
	sign    int8    // +1: a machine (weight kept >= 0); -1: a person (<= 0); 0: fitting decides
	prior   float64 // log-odds
	subtype string
	means   string
}

// Features, in the order of featureDefs.
const (
	fMSA feature = iota
	fComputer
	fBuiltIn
	fSync
	fServicePrincipal
	fBotAccount
	fSystemUserType
	fIntegrationProfile
	fProfileNamed
	fMailboxObject
	fSPN
	fGuest
	fNameService
	fNameApp
	fNameJob
	fNameBot
	fNameMailbox
	fNameResource
	fNameTemplate
	fNameTest
	fNameSystem
	fNameEnv
	fNameNumbered
	fNameAdmin
	fNoReply
	fNamePerson
	fNameFits
	fNameDeparts
	fDisplaySystem
	fDisplayIsLogin
	fDisplayPerson
	fDescMachine
	fDescMixed
	fDescBot
	fDescApp
	fDescMailbox
	fDescTemplate
	fDescTest
	fDescOwner
	fDescPurpose
	fDescPerson
	fDescAdmin
	fTypeMachine
	fTypePerson
	fContainerService
	fContainerMailbox
	fContainerTemplate
	fContainerTest
	fContainerPeople
	fContainerAdmin
	fPwdNeverExpires
	fPwdCantChange
	fPwdNotRequired
	fDelegation
	fSmartcard
	fNotDelegated
	fDisabled
	fNeverLoggedOn
	fPwdStale
	fPwdNeverSet
	fAccountExpires
	fPersonName
	fNoPersonName
	fManager
	fNoManager
	fEmployeeID
	fNoEmployeeID
	fMail
	fNoMail
	fFunctionalMail
	fJobTitle
	fDepartment
	fPhone
	fOwner
	fCorrelated
	fUncorrelated
	fCorrelatedLeaver
	fUsedAfterLeaving
	fLeaverEnabled
	fPersonaName
	fPlaceholderName
	fTitleMachine
	fStaffUnknownToHR
	nFeatures
)

var featureDefs = [nFeatures]featureDef{
	fMSA: {SignalManagedServiceAccount, +1, 6, SubtypeManagedServiceAccount,
		"objectClass or objectCategory msDS-(Group)ManagedServiceAccount"},
	fComputer: {SignalComputerAccount, +1, 6, SubtypeComputer,
		"objectClass computer, objectCategory Computer, a trust bit of userAccountControl or a name ending in $"},
	fBuiltIn: {SignalBuiltInAccount, +1, 6, SubtypeBuiltIn,
		"krbtgt, Administrator, Guest, admin, root, HealthMailbox..., SM_... (Exchange system mailboxes), IUSR_...; Slackbot; Salesforce's @chatter.salesforce.com users"},
	fSync: {SignalSyncAccount, +1, 6, SubtypeDirectorySync, "MSOL_, AAD_, Sync_, ADSyncMSA, AADSync accounts"},
	fServicePrincipal: {SignalServicePrincipal, +1, 6, SubtypeApplication,
		"an Entra ID service principal, app registration or managed identity"},
	fBotAccount: {SignalBotAccount, +1, 6, SubtypeBot, "GitHub type Bot or a [bot] login; Slack is_bot, is_workflow_bot, bot_id; an Atlassian app user (557058:)"},
	fSystemUserType: {SignalSystemUserType, +1, 6, SubtypeApplication,
		"Salesforce UserType AutomatedProcess, CloudIntegrationUser or PartnerNetwork"},
	fIntegrationProfile: {SignalIntegrationProfile, +1, 5, SubtypeApplication,
		"a Salesforce API-only profile or the profile of a built-in system user"},
	fProfileNamed: {SignalProfileNamed, +1, 1.5, SubtypeApplication, "a Salesforce profile named for integrations"},
	fMailboxObject: {SignalMailboxObject, +1, 5, SubtypeMailbox,
		"an Exchange recipient type of a shared, room or equipment mailbox"},
	fSPN:   {SignalServicePrincipalName, +1, 2.5, SubtypeService, "a servicePrincipalName on a user object"},
	fGuest: {SignalGuestUser, -1, -2, "", "an invited external person: Entra userType Guest or #EXT#, a Slack guest"},
	fNameService: {SignalNameService, +1, 3, SubtypeService,
		"the name says service: svc, srv, service, sa-, dienst, servicio, ..."},
	fNameApp: {SignalNameApplication, +1, 2, SubtypeApplication,
		"the name says application or integration: app, api, interface, connector, etl, ..."},
	fNameJob: {SignalNameJob, +1, 2, SubtypeService,
		"the name says automated work: batch, job, scheduler, backup, report, deploy, ..."},
	fNameBot:      {SignalNameBot, +1, 3, SubtypeBot, "the name says bot or RPA: bot, robot, rpa, uipath, ..."},
	fNameMailbox:  {SignalNameMailbox, +1, 2, SubtypeMailbox, "the name is a functional mailbox's: info, support, helpdesk, postfach, ..."},
	fNameResource: {SignalNameResource, +1, 2.5, SubtypeMailbox, "the name is a room's or equipment's: room, raum, salle, beamer, ..."},
	fNameTemplate: {SignalNameTemplate, +1, 3, SubtypeTemplate, "the name says template: template, tmpl, vorlage, modele, ..."},
	fNameTest:     {SignalNameTest, +1, 2, SubtypeTest, "the name says test or training: test, qa, demo, sandbox, schulung, ..."},
	fNameSystem: {SignalNameSystem, +1, 1.5, SubtypeService,
		"the name names a system or software: system, technical, sql, oracle, sap, printer, ..."},
	fNameEnv:      {SignalNameEnvironment, +1, 1.5, SubtypeService, "the name carries an environment: -prod, _dev, -uat, ..."},
	fNameNumbered: {SignalNameNumbered, +1, 0.5, "", "the name ends in an instance number after a word (scan01)"},
	fNameAdmin:    {SignalNameAdmin, 0, -0.5, "", "the name marks a privileged account: adm-, -admin, priv-, ..."},
	fNoReply:      {SignalNoReply, +1, 4, SubtypeMailbox, "a noreply / do-not-reply address"},
	fNamePerson: {SignalNamePerson, -1, -1.5, "",
		"the name is made of the account's own given name and surname (jsmith, john.smith)"},
	fNameFits: {SignalNameFitsPeople, -1, -1, "",
		"the name has the shape most of the source's correlated accounts (its people) have"},
	fNameDeparts: {SignalNameDeparts, +1, 1, "",
		"the name has a shape almost none of the source's correlated accounts (its people) have"},
	fDisplaySystem: {SignalDisplaySystem, +1, 1.5, "",
		"the display name (or given name and surname) describes a system, not a person"},
	fDisplayIsLogin: {SignalDisplayIsLogin, +1, 0.5, "", "the display name is the login name"},
	fDisplayPerson:  {SignalDisplayPerson, -1, -0.5, "", "the display name is the account's given name and surname"},
	fDescMachine: {SignalDescriptionMachine, +1, 1.5, SubtypeService,
		"the description speaks of a service, application, job or system (in any of the lexicon's languages)"},
	fDescMixed: {SignalDescriptionMixed, 0, -0.5, "",
		"the description speaks of both a machine and a person's role (Customer Service Representative)"},
	fDescBot: {SignalDescriptionBot, +1, 2.5, SubtypeBot,
		"the description speaks of a bot or RPA: robot, UiPath, Blue Prism, digital worker, assistant virtuel"},
	fDescApp: {SignalDescriptionApp, +1, 1.5, SubtypeApplication,
		"the description speaks of an application or integration: interface, API, connector, LDAP bind, SAP"},
	fDescMailbox: {SignalDescriptionMailbox, +1, 1.5, SubtypeMailbox,
		"the description speaks of a shared mailbox, a room or equipment"},
	fDescTemplate: {SignalDescriptionTmpl, +1, 2, SubtypeTemplate, "the description speaks of a template"},
	fDescTest:     {SignalDescriptionTest, +1, 1.5, SubtypeTest, "the description speaks of testing or training"},
	fDescOwner:    {SignalDescriptionOwner, +1, 1.5, "", "the description names an owner or contact (owner:, verantwortlich, responsable)"},
	fDescPurpose:  {SignalDescriptionPurpose, +1, 1, "", "the description says what the account is used for (used by, runs, verwendet)"},
	fDescPerson: {SignalDescriptionPerson, -1, -1.5, "",
		"the description speaks of a person: employee, contractor, intern, a job role"},
	fDescAdmin:   {SignalDescriptionAdmin, 0, -0.3, "", "the description speaks of administration or privileges"},
	fTypeMachine: {SignalTypeMachine, +1, 3, "", "a type attribute (employeeType, type, accountType) says service, system, shared, test, ..."},
	fTypePerson:  {SignalTypePerson, -1, -2.5, "", "a type attribute says employee, contractor, intern, ..."},
	fContainerService: {SignalServiceContainer, +1, 2.5, SubtypeService,
		"a parent OU or CN for service, system, application or technical accounts"},
	fContainerMailbox:  {SignalMailboxContainer, +1, 2, SubtypeMailbox, "a parent OU or CN for shared mailboxes, rooms or resources"},
	fContainerTemplate: {SignalTemplateContainer, +1, 2, SubtypeTemplate, "a parent OU or CN for templates"},
	fContainerTest:     {SignalTestContainer, +1, 1.5, SubtypeTest, "a parent OU or CN for test or training accounts"},
	fContainerPeople:   {SignalPeopleContainer, -1, -1, "", "a parent OU or CN for employees, staff, contractors"},
	fContainerAdmin:    {SignalAdminContainer, 0, -0.5, "", "a parent OU or CN for admin accounts"},
	fPwdNeverExpires: {SignalPasswordNeverExpires, +1, 1, SubtypeService,
		"DONT_EXPIRE_PASSWORD (userAccountControl 0x10000; Entra DisablePasswordExpiration)"},
	fPwdCantChange:  {SignalPasswordCantChange, +1, 1, SubtypeService, "PASSWD_CANT_CHANGE (userAccountControl 0x40)"},
	fPwdNotRequired: {SignalPasswordNotRequired, +1, 0.5, "", "PASSWD_NOTREQD (userAccountControl 0x20)"},
	fDelegation: {SignalDelegation, +1, 1, SubtypeService,
		"TRUSTED_FOR_DELEGATION or TRUSTED_TO_AUTH_FOR_DELEGATION (userAccountControl 0x80000, 0x1000000)"},
	fSmartcard:     {SignalSmartcardRequired, -1, -1.5, "", "SMARTCARD_REQUIRED (userAccountControl 0x40000): a person logs on"},
	fNotDelegated:  {SignalNotDelegated, 0, -0.5, "", "NOT_DELEGATED (userAccountControl 0x100000), set on privileged people"},
	fDisabled:      {SignalDisabled, 0, 0.3, "", "ACCOUNTDISABLE (userAccountControl 0x2)"},
	fNeverLoggedOn: {SignalNeverLoggedOn, +1, 0.3, "", "no last logon on a directory account: never logged on"},
	fPwdStale: {SignalPasswordStale, +1, 1.5, SubtypeService,
		"the password is two or more years older than the last logon: unchanged while logons go on"},
	fPwdNeverSet:    {SignalPasswordNeverSet, 0, 0.3, "", "pwdLastSet 0: the password was never set (must change at next logon)"},
	fAccountExpires: {SignalAccountExpires, 0, -0.5, "", "an expiry date is set (accountExpires)"},
	fPersonName:     {SignalPersonName, -1, -1, "", "a given name and a surname"},
	fNoPersonName:   {SignalNoPersonName, +1, 0.4, "", "neither a given name nor a surname"},
	fManager:        {SignalManager, -1, -1, "", "a manager"},
	fNoManager:      {SignalNoManager, +1, 0.3, "", "no manager, where the source's people have one"},
	fEmployeeID:     {SignalEmployeeID, -1, -1, "", "an employee id"},
	fNoEmployeeID:   {SignalNoEmployeeID, +1, 0.3, "", "no employee id, where the source's people have one"},
	fMail:           {SignalMail, -1, -0.3, "", "a person's mail address"},
	fNoMail:         {SignalNoMail, +1, 0.2, "", "no mail address, where the source's people have one"},
	fFunctionalMail: {SignalFunctionalMail, +1, 1, SubtypeMailbox, "a mail address whose local part names a function (alerts@)"},
	fJobTitle:       {SignalJobTitle, -1, -0.5, "", "a job title"},
	fDepartment:     {SignalDepartment, 0, -0.3, "", "a department"},
	fPhone:          {SignalPhone, -1, -0.5, "", "a telephone number"},
	fOwner:          {SignalOwner, +1, 1.5, "", "an owner attribute (owner, managedBy, responsible)"},
	fCorrelated: {SignalCorrelated, -1, -2, "",
		"correlated to an identity (on a source that is not itself authoritative)"},
	fUncorrelated: {SignalUncorrelated, +1, 0.5, "", "correlated to no identity"},
	fCorrelatedLeaver: {SignalCorrelatedLeaver, 0, -1, "",
		"correlated to an identity whose HR record says the person left"},
	fUsedAfterLeaving: {SignalUsedAfterLeaving, +1, 5, SubtypeService,
		"logged on after the person it correlates to left: something else uses it"},
	fLeaverEnabled: {SignalLeaverEnabled, +1, 1, SubtypeService, "still enabled though the person it correlates to left"},
	fPersonaName: {SignalPersonaName, +1, 1.5, "",
		"the given name or surname is a word of the lexicon (Bernd Bestellung): a persona, not a person"},
	fPlaceholderName: {SignalPlaceholderName, +1, 3, SubtypeTest,
		"a placeholder name (John Doe, Max Mustermann, Jean Dupont, Mario Rossi)"},
	fStaffUnknownToHR: {SignalStaffUnknownToHR, 0, 0.5, "",
		"presents as staff (a person's name with a department or manager, no expiry, not an external) yet correlates to no identity"},
	fTitleMachine: {SignalTitleMachine, +1, 2, "",
		"the job title describes a machine (Digital Colleague, Assistant virtuel, Service Account)"},
}

// SignalInfo describes one discovery signal for documentation and clients.
type SignalInfo struct {
	Name    string  `json:"name"`
	Weight  float64 `json:"weight"` // log-odds, as shipped
	Prior   float64 `json:"prior"`  // log-odds, before fitting
	Subtype string  `json:"subtype,omitempty"`
	Means   string  `json:"means"`
}

// Signals lists every discovery signal with its shipped weight.
func Signals() []SignalInfo {
	out := make([]SignalInfo, nFeatures)
	for i, f := range featureDefs {
		out[i] = SignalInfo{Name: f.name, Weight: weights[i], Prior: f.prior, Subtype: f.subtype, Means: f.means}
	}
	return out
}
