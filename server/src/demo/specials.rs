//! The hand-placed part of the demo data: what docs and tests rely on (a file quarantined on
//! five devices, an offline device whose undo fails once, pending work to approve in bulk, one
//! action in every status, hostile strings), placed before the random rest.

use action_center_core::{ActionType as T, EntityKind, Source, Status as S};
use chrono::Duration;

use super::gen::{device, fake_sha256, Gen, Plan};

/// The hash of `invoice.pdf.exe`, quarantined (completed) on the five [`SHARED_DEVICES`].
pub fn shared_sha256() -> String {
    fake_sha256("demo/invoice.pdf.exe/shared")
}

/// Devices where the shared `invoice.pdf.exe` was quarantined.
pub const SHARED_DEVICES: [&str; 5] = [
    "FIN-LAPTOP-07",
    "FIN-LAPTOP-12",
    "HR-DESKTOP-03",
    "SALES-LAPTOP-21",
    "SRV-FILE-01",
];

/// The device whose undo fails on the first attempt.
pub const OFFLINE_DEVICE: &str = "HR-DESKTOP-OFFLINE-02";

fn on(g: &mut Gen, t: T, source: Source, status: S, device_name: &str) -> Plan {
    let mut p = g.plan(t.clone(), source, status);
    p.asset = device(device_name);
    p.entity = g.entity_for(&t, &p.asset);
    p
}

fn recent(p: &mut Plan, hours: i64) {
    p.age = Duration::hours(hours);
}

/// The hand-placed plans.
pub fn specials(g: &mut Gen) -> Vec<Plan> {
    use Source::*;
    let mut v = Vec::new();
    let shared = shared_sha256();
    let invoice = |g: &mut Gen| {
        let mut e = g.file(0, 0);
        e.sha256 = Some(shared.clone());
        e
    };
    for (i, name) in SHARED_DEVICES.iter().enumerate() {
        let mut p = on(
            g,
            T::QuarantineFile,
            AutomatedInvestigation,
            S::Completed,
            name,
        );
        p.entity = invoice(g);
        p.investigation = Some("inv_1042".into());
        p.incident = Some("inc_77".into());
        recent(&mut p, 30 + 3 * i as i64);
        v.push(p);
    }
    let mut p = on(
        g,
        T::QuarantineFile,
        AutomatedInvestigation,
        S::Pending,
        "MKT-LAPTOP-05",
    );
    p.entity = invoice(g);
    p.investigation = Some("inv_1042".into());
    p.incident = Some("inc_77".into());
    recent(&mut p, 6);
    v.push(p);

    // A second shared file: three completed, one already undone.
    let remittance = fake_sha256("demo/Remittance_Advice.zip/shared");
    for (name, status) in [
        ("OPS-DESKTOP-04", S::Completed),
        ("LEGAL-LAPTOP-02", S::Completed),
        ("EXEC-LAPTOP-01", S::Completed),
        ("PROC-WS-11", S::Undone),
    ] {
        let mut p = on(g, T::QuarantineFile, Antivirus, status, name);
        p.entity = g.file(2, 0);
        p.entity.sha256 = Some(remittance.clone());
        recent(&mut p, 80);
        v.push(p);
    }

    // The offline device: undo fails once, then succeeds when retried.
    for t in [T::QuarantineFile, T::StopService, T::IsolateDevice] {
        let mut p = on(
            g,
            t.clone(),
            AutomatedInvestigation,
            S::Completed,
            OFFLINE_DEVICE,
        );
        if t == T::QuarantineFile {
            p.entity = g.file(1, 999);
        }
        recent(&mut p, 50);
        v.push(p);
    }
    for (t, name) in [
        (T::RemoveScheduledTask, OFFLINE_DEVICE),
        (T::QuarantineFile, "LAB-PC-OFFLINE-09"),
        (T::DisableDriver, "LAB-PC-OFFLINE-09"),
    ] {
        let mut p = on(g, t, AutomatedInvestigation, S::UndoFailed, name);
        p.undo_error = Some(format!(
            "Device offline: {name} did not respond to the undo request"
        ));
        recent(&mut p, 70);
        v.push(p);
    }

    // Pending work for bulk decisions; two expire within hours.
    let expiry_h = g.expiry.num_hours();
    let quarantine_devices = [
        "FIN-LAPTOP-03",
        "HR-LAPTOP-11",
        "ENG-WS-22",
        "SALES-DESKTOP-08",
        "IT-LAPTOP-15",
        "LEGAL-DESKTOP-06",
        "MKT-WS-09",
        "SUPPORT-LAPTOP-17",
    ];
    for (i, name) in quarantine_devices.iter().enumerate() {
        let mut p = on(
            g,
            T::QuarantineFile,
            AutomatedInvestigation,
            S::Pending,
            name,
        );
        p.entity = g.file(3 + i, 0);
        match i {
            0 => recent(&mut p, (expiry_h - 2).max(1)),
            1 => recent(&mut p, (expiry_h - 5).max(1)),
            _ => recent(&mut p, 1 + (7 * i as i64) % (expiry_h - 2).max(1)),
        }
        v.push(p);
    }
    for (i, name) in [
        "ENG-LAPTOP-14",
        "DEV-LAPTOP-03",
        "SRV-WEB-03",
        "FIN-DESKTOP-19",
        "OPS-LAPTOP-30",
        "SALES-WS-02",
    ]
    .iter()
    .enumerate()
    {
        let mut p = on(
            g,
            T::IsolateDevice,
            AutomatedInvestigation,
            S::Pending,
            name,
        );
        recent(&mut p, 1 + (5 * i as i64 + 1) % (expiry_h - 2).max(1));
        v.push(p);
    }
    for (t, name) in [
        (T::StopService, "SRV-APP-02"),
        (T::StopService, "IT-WS-12"),
        (T::StopService, "ENG-DESKTOP-05"),
        (T::RemoveRegistryKey, "FIN-LAPTOP-30"),
        (T::RemoveRegistryKey, "HR-WS-07"),
        (T::RemoveScheduledTask, "OPS-DESKTOP-13"),
        (T::RestrictCodeExecution, "DEV-WS-21"),
    ] {
        let mut p = on(g, t, AutomatedInvestigation, S::Pending, name);
        recent(&mut p, 12.min(expiry_h - 1));
        v.push(p);
    }
    for t in [
        T::SoftDeleteEmail,
        T::SoftDeleteEmail,
        T::DisableUser,
        T::BlockUrl,
    ] {
        let mut p = g.plan(t, AdvancedHunting, S::Pending);
        recent(&mut p, 20.min(expiry_h - 1));
        v.push(p);
    }

    // In flight: the executor finishes these within seconds of start.
    let mut p = on(g, T::IsolateDevice, Manual, S::Queued, "ENG-DESKTOP-27");
    recent(&mut p, 0);
    v.push(p);
    let mut p = on(g, T::RunAntivirusScan, LiveResponse, S::Running, "IT-WS-05");
    recent(&mut p, 0);
    v.push(p);
    let mut p = on(
        g,
        T::StopService,
        AutomatedInvestigation,
        S::Undoing,
        "SRV-APP-04",
    );
    recent(&mut p, 3);
    v.push(p);

    // One of each remaining status and source.
    let mut p = on(
        g,
        T::QuarantineFile,
        AutomatedInvestigation,
        S::Failed,
        "SRV-SQL-02",
    );
    p.fail_error = Some("Device offline: SRV-SQL-02 has not reported for 3 days".into());
    v.push(p);
    v.push(on(
        g,
        T::IsolateDevice,
        AutomatedInvestigation,
        S::Rejected,
        "SRV-DC-01",
    ));
    v.push(on(
        g,
        T::KillProcess,
        AdvancedHunting,
        S::Expired,
        "ENG-WS-08",
    ));
    v.push(on(
        g,
        T::CollectInvestigationPackage,
        LiveResponse,
        S::Cancelled,
        "EXEC-LAPTOP-02",
    ));
    v.push(on(g, T::IsolateDevice, Manual, S::Undone, "FIN-LAPTOP-22"));
    v.push(on(
        g,
        T::RunAntivirusScan,
        Antivirus,
        S::Completed,
        "SALES-LAPTOP-04",
    ));
    v.push(on(
        g,
        T::KillProcess,
        AdvancedHunting,
        S::Completed,
        "DEV-DESKTOP-16",
    ));
    v.push(g.plan(T::BlockUrl, Manual, S::Completed));
    v.push(g.plan(T::DisableUser, AutomatedInvestigation, S::Completed));
    v.push(on(
        g,
        T::DisableDriver,
        AutomatedInvestigation,
        S::Completed,
        "ENG-LAPTOP-33",
    ));
    v.push(on(
        g,
        T::RestrictCodeExecution,
        LiveResponse,
        S::Completed,
        "IT-LAPTOP-08",
    ));
    v.push(on(
        g,
        T::RemoveRegistryKey,
        AutomatedInvestigation,
        S::Undone,
        "SALES-WS-17",
    ));

    // Hostile strings: stored and returned verbatim, rendered as text, defused in CSV.
    let mut p = on(
        g,
        T::KillProcess,
        AutomatedInvestigation,
        S::Pending,
        "DEV-LAPTOP-03",
    );
    p.entity.name = "<img src=x onerror=alert(1)>".into();
    p.request_comment = Some("<script>alert(\"xss\")</script>".into());
    recent(&mut p, 4);
    v.push(p);
    let mut p = on(
        g,
        T::QuarantineFile,
        AutomatedInvestigation,
        S::Pending,
        "FIN-LAPTOP-09",
    );
    p.entity.name = "=cmd|' /C calc'!A0.xlsx".into();
    p.entity.path = Some(r"C:\Users\jdoe\Downloads\=cmd|' /C calc'!A0.xlsx".into());
    recent(&mut p, 9);
    v.push(p);
    let mut p = on(
        g,
        T::RemoveRegistryKey,
        AutomatedInvestigation,
        S::Completed,
        "IT-LAPTOP-01",
    );
    p.entity.name = "\"; DROP TABLE actions; --".into();
    p.entity.value_name = Some(p.entity.name.clone());
    v.push(p);
    let mut p = on(
        g,
        T::QuarantineFile,
        Antivirus,
        S::Completed,
        "HR-LAPTOP-04",
    );
    p.entity.name = "invoice\u{202E}fdp.exe".into();
    p.entity.path = Some("C:\\Users\\mchen\\Downloads\\invoice\u{202E}fdp.exe".into());
    v.push(p);
    let mut p = g.plan(T::RunAntivirusScan, AutomatedInvestigation, S::Pending);
    p.asset = device("ПК-БУХГАЛТЕР-01");
    p.entity = action_center_core::Entity::named(EntityKind::Device, "ПК-БУХГАЛТЕР-01");
    p.request_comment = Some("@SUM(1+1)*cmd|' /C calc'!A0".into());
    recent(&mut p, 3);
    v.push(p);
    v
}
