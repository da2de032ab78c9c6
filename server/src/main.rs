//! `action-center-server`: parses the command line and runs the server (see `--help`).

use action_center_server::{auth, cli, prepare, start};

#[tokio::main]
async fn main() {
    let config = match cli::parse(std::env::args().skip(1)) {
        Ok(cli::Command::Run(config)) => *config,
        Ok(cli::Command::Help) => {
            print!("{}", cli::USAGE);
            return;
        }
        Err(message) => {
            eprintln!("action-center-server: {message}\n\n{}", cli::USAGE);
            std::process::exit(2);
        }
    };
    action_center_server::telemetry::log::init(config.log_format);
    if config.seed_only {
        if let Err(message) = prepare(&config).await {
            eprintln!("action-center-server: {message}");
            std::process::exit(1);
        }
        return;
    }
    let server = match start(config.clone()).await {
        Ok(server) => server,
        Err(message) => {
            eprintln!("action-center-server: {message}");
            std::process::exit(1);
        }
    };
    println!("Action Center at http://{}/", server.addr);
    if config.demo {
        println!("demo accounts (Authorization: Bearer <token>):");
        for (token, id, name, role) in auth::DEMO_ACCOUNTS {
            println!("  {token:<17} {id:<20} {name:<15} {role}");
        }
    }
    println!("listening on http://{}", server.addr);
    shutdown_signal().await;
    println!("shutting down");
    server.stop().await;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
