{{- define "gputel.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "gputel.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "gputel.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "gputel.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "gputel.tokenSecret" -}}
{{- if .Values.auth.existingSecret -}}
{{ .Values.auth.existingSecret }}
{{- else if .Values.auth.token -}}
{{ include "gputel.fullname" . }}-token
{{- end -}}
{{- end -}}

{{- define "gputel.scheme" -}}
{{ if .Values.tls.enabled }}HTTPS{{ else }}HTTP{{ end }}
{{- end -}}

{{/* Flags every role takes for the token and TLS. $ctx: root; .client adds --tls-ca. */}}
{{- define "gputel.securityArgs" -}}
{{- if include "gputel.tokenSecret" .root }}
- --token-file
- /etc/gputel/token/token
{{- end }}
{{- if .root.Values.tls.enabled }}
{{- if .server }}
- --tls-cert
- /etc/gputel/tls/tls.crt
- --tls-key
- /etc/gputel/tls/tls.key
{{- end }}
{{- if .client }}
- --tls-ca
- /etc/gputel/tls/ca.crt
{{- end }}
{{- end }}
{{- end -}}

{{- define "gputel.securityMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if include "gputel.tokenSecret" . }}
- name: token
  mountPath: /etc/gputel/token
  readOnly: true
{{- end }}
{{- if .Values.tls.enabled }}
- name: tls
  mountPath: /etc/gputel/tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "gputel.securityVolumes" -}}
- name: tmp
  emptyDir: {}
{{- if include "gputel.tokenSecret" . }}
- name: token
  secret:
    secretName: {{ include "gputel.tokenSecret" . }}
    defaultMode: 0440
{{- end }}
{{- if .Values.tls.enabled }}
- name: tls
  secret:
    secretName: {{ required "tls.secretName is required when tls.enabled" .Values.tls.secretName }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "gputel.podSpecCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "gputel.broker" -}}
{{ include "gputel.fullname" . }}-broker:9000
{{- end -}}
