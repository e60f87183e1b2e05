//! `kestrel`: the viewer's command line. See `kestrel --help`.

use std::process::ExitCode;

use clap::Parser;
use kestrel::app::{self, LoginTarget, Session};
use kestrel::cli::{Cli, Command, ViewArgs};
use kestrel::config::{
    ConfigDir, HardwareInfo, LoadOutcome, PerformanceProfile, PerformanceSettings, ProfileTable,
    UserSettings, detect_profile,
};
use kestrel::sim::SimConfig;
use kestrel_actors::circuit::LoginParams;
use kestrel_protocol::login::StartLocation;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,wgpu_core=warn,wgpu_hal=warn,naga=warn".into()),
        )
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kestrel: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(Command::Sim(config)) = cli.command {
        let rt = tokio::runtime::Runtime::new()?;
        rt.block_on(kestrel::sim::run(config))?;
        return Ok(());
    }
    let args = cli.view;
    let settings = load_settings(&args);
    let target = login_target(&args);
    if args.headless {
        let json = match args.frames {
            None if args.screenshot.is_none() => {
                serde_json::to_string(&app::run_headless_circuit(target, args.seconds)?)?
            }
            frames => serde_json::to_string(&app::run_headless_render(
                target,
                settings,
                args.seconds,
                frames.unwrap_or(1).max(1),
                (args.width, args.height),
                args.screenshot.clone(),
            )?)?,
        };
        println!("{json}");
        return Ok(());
    }
    let session = Session::start(target)?;
    session.connect(std::time::Duration::from_secs(60))?;
    let result = app::run_windowed(&session, &settings, args.width, args.height);
    session.shutdown();
    Ok(result?)
}

/// The login the arguments ask for: a grid, or the embedded region.
fn login_target(args: &ViewArgs) -> LoginTarget {
    match (&args.login_uri, &args.first, &args.last, &args.password) {
        (Some(uri), Some(first), Some(last), Some(password)) => LoginTarget::Grid(LoginParams {
            login_uri: uri.clone(),
            first: first.clone(),
            last: last.clone(),
            password: password.clone(),
            start: StartLocation::Last,
        }),
        _ => {
            let mut config = SimConfig {
                object_count: args.embedded.objects,
                impairment: args.embedded.impairment.clone(),
                ..SimConfig::default()
            };
            if let Some(p) = &args.password {
                config.password = p.clone();
            }
            LoginTarget::Embedded(config)
        }
    }
}

/// The performance settings in force: the user's saved choice (picked by
/// hardware detection on first launch), overridden by `--profile`.
fn load_settings(args: &ViewArgs) -> PerformanceSettings {
    let dir = ConfigDir::platform();
    let table = ProfileTable::built_in();
    let mut user = match UserSettings::load(&dir) {
        LoadOutcome::Loaded(s) => s,
        LoadOutcome::FirstLaunch => {
            let (profile, adapter) = match HardwareInfo::detect() {
                Some(hw) => (detect_profile(&hw), hw.adapter_name),
                None => (PerformanceProfile::Low, "no adapter".to_string()),
            };
            tracing::info!(%profile, %adapter, "first launch: picked a performance profile");
            let s = UserSettings::with_profile(profile);
            if let Err(e) = s.save(&dir) {
                tracing::warn!("could not save settings: {e}");
            }
            s
        }
        LoadOutcome::Refused(e) => {
            eprintln!("kestrel: {e}; starting on the Balanced defaults");
            UserSettings::with_profile(PerformanceProfile::Balanced)
        }
    };
    if let Some(p) = args.profile {
        user.profile = p;
        if let Err(e) = user.save(&dir) {
            tracing::warn!("could not save settings: {e}");
        }
    }
    let settings = user.active(&table);
    tracing::info!(profile = %user.profile, draw_distance_m = settings.draw_distance_m, "performance settings");
    settings
}
