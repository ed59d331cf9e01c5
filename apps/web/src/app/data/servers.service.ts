import { inject, Injectable } from '@angular/core';
import { serversControllerDetail, serversControllerList, type ServerDetailDto, type ServerSummaryDto } from '@tft/api-client';
import { API_CLIENT, callOptions } from '../core/api';

/** GET /servers and /servers/{server_name}. */
@Injectable({ providedIn: 'root' })
export class ServersService {
  private readonly client = inject(API_CLIENT);

  async list(signal?: AbortSignal): Promise<ServerSummaryDto[]> {
    return (await serversControllerList(callOptions(this.client, signal))).data;
  }

  async detail(name: string, signal?: AbortSignal): Promise<ServerDetailDto> {
    return (
      await serversControllerDetail({
        ...callOptions(this.client, signal),
        path: { server_name: name },
      })
    ).data;
  }
}
