import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ArchiveService } from './archive.service';

const ARCHIVE_PRUNE_EVERY_MS = 60_000;

/** Named job `archive-prune` every minute: the last steps of servers gone stale, then what is past ARCHIVE_RETENTION. */
@Injectable()
export class ArchiveScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Scheduler');

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly archive: ArchiveService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.archive.enabled) return;
    this.registry.addInterval(
      'archive-prune',
      setInterval(() => {
        this.archive.archiveStaleSteps();
        this.archive.prune().catch((err: Error) => this.logger.warn(`pruning the archive failed: ${err.message}`));
      }, ARCHIVE_PRUNE_EVERY_MS),
    );
  }

  onApplicationShutdown(): void {
    if (this.registry.doesExist('interval', 'archive-prune')) this.registry.deleteInterval('archive-prune');
  }
}
