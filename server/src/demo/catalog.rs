//! The vocabulary of the demo data: devices, people, files, keys, services, drivers, tasks,
//! emails and URLs that look like a real tenant's.

/// Departments that name workstations (`FIN-LAPTOP-07`).
pub const DEPARTMENTS: &[&str] = &[
    "FIN", "HR", "SALES", "MKT", "ENG", "IT", "LEGAL", "OPS", "EXEC", "SUPPORT", "DEV", "PROC",
];
/// Workstation form factors.
pub const FORMS: &[&str] = &["LAPTOP", "DESKTOP", "WS"];
/// Server roles (`SRV-SQL-02`).
pub const SERVERS: &[&str] = &["SQL", "DC", "FILE", "WEB", "EXCH", "APP", "PRINT", "CA"];

/// First names of the tenant's people.
pub const FIRST: &[&str] = &[
    "Jane", "Omar", "Priya", "Lukas", "Mei", "Carlos", "Aisha", "Tomasz", "Grace", "Kenji",
    "Fatima", "Ethan", "Sofia", "Noah", "Amara", "Liam", "Ingrid", "Raj", "Chloe", "Mateo",
];
/// Last names of the tenant's people.
pub const LAST: &[&str] = &[
    "Doe", "Haddad", "Sharma", "Becker", "Chen", "Ruiz", "Okafor", "Nowak", "Kim", "Tanaka", "Ali",
    "Brown", "Rossi", "Martin", "Mensah", "Walsh", "Larsen", "Patel", "Dubois", "Garcia",
];

/// Analysts who decide and undo.
pub const ANALYSTS: &[&str] = &["alice@example.com", "bob@example.com"];
/// Analysts who request manual actions.
pub const REQUESTERS: &[&str] = &[
    "alice@example.com",
    "bob@example.com",
    "carol.ng@example.com",
    "dmitri.k@example.com",
];

/// Malicious files: name and where it usually lands (`{user}` is a profile folder).
pub const FILES: &[(&str, &str)] = &[
    (
        "invoice.pdf.exe",
        r"C:\Users\{user}\Downloads\invoice.pdf.exe",
    ),
    (
        "Q3-bonus-summary.xlsm",
        r"C:\Users\{user}\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\8QX2K1ZD\Q3-bonus-summary.xlsm",
    ),
    (
        "Remittance_Advice.zip",
        r"C:\Users\{user}\Downloads\Remittance_Advice.zip",
    ),
    ("mimikatz.exe", r"C:\ProgramData\Intel\mimikatz.exe"),
    (
        "AnyDeskPortable.exe",
        r"C:\Users\{user}\Desktop\AnyDeskPortable.exe",
    ),
    ("rclone.exe", r"C:\PerfLogs\rclone.exe"),
    ("svch0st.exe", r"C:\Windows\SysWOW64\svch0st.exe"),
    ("update.ps1", r"C:\Users\Public\update.ps1"),
    (
        "payload.dll",
        r"C:\Users\{user}\AppData\Roaming\Microsoft\payload.dll",
    ),
    ("scan_0042.iso", r"C:\Users\{user}\Downloads\scan_0042.iso"),
    (
        "chrome_update.exe",
        r"C:\Users\{user}\AppData\Local\Temp\chrome_update.exe",
    ),
    ("procdump64.exe", r"C:\Windows\Temp\procdump64.exe"),
    (
        "WinRAR_6.24_crack.exe",
        r"C:\Users\{user}\Downloads\WinRAR_6.24_crack.exe",
    ),
    ("setup_x64.msi", r"C:\Users\{user}\Downloads\setup_x64.msi"),
    (
        "Shipping_Label_4471.lnk",
        r"C:\Users\{user}\Downloads\Shipping_Label_4471.lnk",
    ),
    ("cobalt.bin", r"C:\Windows\Tasks\cobalt.bin"),
];

/// Processes killed on devices: image name and path.
pub const PROCESSES: &[(&str, &str)] = &[
    (
        "powershell.exe",
        r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
    ),
    ("rundll32.exe", r"C:\Windows\System32\rundll32.exe"),
    ("mshta.exe", r"C:\Windows\System32\mshta.exe"),
    ("wscript.exe", r"C:\Windows\System32\wscript.exe"),
    ("certutil.exe", r"C:\Windows\System32\certutil.exe"),
    ("regsvr32.exe", r"C:\Windows\System32\regsvr32.exe"),
    ("rclone.exe", r"C:\PerfLogs\rclone.exe"),
];

/// Autorun registry keys and value names.
pub const REGISTRY_KEYS: &[&str] = &[
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run",
    r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run",
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce",
    r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Run",
];
/// Value names persisted under those keys.
pub const REGISTRY_VALUES: &[&str] = &[
    "OneDriveUpdater",
    "SecurityHealthHelper",
    "AdobeUpdateSvc",
    "WinDefendHelper",
    "GoogleUpdateTaskMachineQC",
    "MicrosoftEdgeAutoLaunch_3F2A",
    "SysHealth",
];

/// Services: display name and short name.
pub const SERVICES: &[(&str, &str)] = &[
    ("Remote Access Helper", "RAHelperSvc"),
    ("PsExec Service", "PSEXESVC"),
    ("AnyDesk Service", "AnyDesk"),
    ("Windows Update Medic Helper", "WinUpdMedicHlp"),
    ("TeamViewer Host", "TeamViewer"),
    ("Diagnostic Telemetry Relay", "DiagTrackRelay"),
    ("Print Spooler Extension", "SpoolExt"),
];

/// Vulnerable or malicious drivers.
pub const DRIVERS: &[&str] = &[
    "gdrv.sys",
    "RTCore64.sys",
    "procexp152.sys",
    "mhyprot2.sys",
    "dbutil_2_3.sys",
    "aswArPot.sys",
];

/// Scheduled tasks planted for persistence.
pub const TASKS: &[&str] = &[
    r"\Microsoft\Windows\UpdateOrchestrator\UpdateAssistantWakeup",
    r"\GoogleUpdateTaskMachineQC",
    r"\OneDrive Standalone Update Task-S-1-5-21",
    r"\Microsoft\Windows\WindowsBackup\ConfigNotification",
    r"\SystemHealthCheck",
    r"\Adobe Acrobat Update Task",
];

/// Phishing emails: subject and sender.
pub const EMAILS: &[(&str, &str)] = &[
    ("Invoice #48213 overdue", "billing@invoices-docu.com"),
    (
        "Your mailbox is almost full",
        "it-support@contoso-helpdesk.com",
    ),
    (
        "DocuSign: Please review and sign",
        "no-reply@docusign-secure.net",
    ),
    ("Payroll update – action required", "hr@payro11-contoso.com"),
    (
        "Shared file: Q3 forecast.xlsx",
        "sharepoint@m1crosoft-online.com",
    ),
    ("Voicemail received (00:42)", "voicemail@teams-notify.net"),
];

/// URLs blocked in mail.
pub const URLS: &[&str] = &[
    "https://login-microsoftonline.com.secure-auth.io/common/oauth2",
    "http://invoices-docu.com/view?id=48213",
    "https://cdn-update.net/chrome_update.exe",
    "https://sharepoint-files.org/s/Q3forecast",
    "https://docusign-secure.net/envelope/7f3a",
];

/// Custom detection rules (advanced hunting).
pub const DETECTIONS: &[&str] = &[
    "Custom detection: rclone exfiltration to cloud storage",
    "Custom detection: LSASS access by unsigned process",
    "Custom detection: Office spawning PowerShell",
    "Custom detection: new service from temp folder",
];

/// Approval comments (`None`: no comment).
pub const APPROVE_COMMENTS: &[Option<&str>] = &[
    None,
    None,
    Some("Confirmed malicious: hash matches TI feed"),
    Some("Approved per runbook IR-07"),
    Some("User confirmed they did not open the attachment"),
    Some("Seen on other devices in this incident; remediating"),
    Some("confirmed malicious"),
];
/// Rejection comments.
pub const REJECT_COMMENTS: &[&str] = &[
    "False positive: signed internal build tool",
    "Business-critical server; will remediate in the maintenance window",
    "Known admin script used by IT",
    "Duplicate of an action already taken",
];
/// Undo comments.
pub const UNDO_COMMENTS: &[Option<&str>] = &[
    None,
    Some("False positive confirmed by vendor"),
    Some("Legitimate finance macro; releasing"),
    Some("Device reimaged; lifting containment"),
    Some("Restoring after verification with the app owner"),
];
