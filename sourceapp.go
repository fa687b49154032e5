package mica

// SourceAppService manages source apps and user apps. The Apps work fills it in.
type SourceAppService interface {
}
